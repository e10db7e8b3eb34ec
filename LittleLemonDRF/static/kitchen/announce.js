// The kitchen board's chime for a new order, and the manager's switch for it.
//
// The tone is made in the browser (Web Audio API), so the board loads no sound file; whether
// it plays is remembered in this browser (localStorage). board.js calls window.kitchenChime().
"use strict";

(function () {
  const KEY = "littlelemon.kitchen.sound";
  const button = document.getElementById("sound");
  let audio = null;

  function soundOn() {
    return window.localStorage.getItem(KEY) !== "off";
  }

  function showSwitch() {
    button.setAttribute("aria-pressed", String(soundOn()));
    button.textContent = soundOn() ? "Sound on" : "Sound off";
  }

  function unlock() {
    // Browsers let a page make sound only after someone has touched it.
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  }

  function play() {
    unlock();
    if (!audio) return;
    // Two soft notes a fifth apart: heard over a kitchen, not alarming.
    const start = audio.currentTime + 0.01;
    for (const [frequency, delay] of [[659.25, 0], [987.77, 0.18]]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + delay);
      gain.gain.exponentialRampToValueAtTime(0.35, start + delay + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + delay + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + delay);
      tone.stop(start + delay + 0.65);
    }
  }

  button.addEventListener("click", () => {
    window.localStorage.setItem(KEY, soundOn() ? "off" : "on");
    showSwitch();
    if (soundOn()) play();
  });
  document.addEventListener("pointerdown", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });
  showSwitch();

  window.kitchenChime = () => {
    if (soundOn()) play();
  };
})();
