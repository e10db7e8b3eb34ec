// The tables page: each table's reservations of one evening on a timeline, kept live by
// reading the service sheet (GET /api/reservations?date=) every few seconds.
//
// What a reservation may do next comes from the transition table the page carries
// (#table-moves, rendered from the server's own table): this script knows no rules.
"use strict";

(function () {
  const sheet = document.getElementById("sheet");
  const rowsList = document.getElementById("rows");
  const hours = document.getElementById("hours");
  const empty = document.getElementById("empty");
  const live = document.getElementById("live");
  const dayInput = document.getElementById("day");
  const summary = document.getElementById("summary");
  const nowLine = document.getElementById("now");
  const MOVES = JSON.parse(document.getElementById("table-moves").textContent);
  const LABELS = JSON.parse(document.getElementById("table-labels").textContent);
  const TABLES_URL = sheet.dataset.tablesUrl;
  const RESERVATIONS_URL = sheet.dataset.reservationsUrl;
  const ZONE = sheet.dataset.timezone;
  const GRACE_MS = Number(sheet.dataset.graceMinutes) * 60000;
  const POLL_MS = Number(sheet.dataset.pollSeconds) * 1000;
  // How a bar names its status; a confirmed party past its start is "late" instead.
  const STATES = { confirmed: "booked", seated: "seated", completed: "done", no_show: "no-show", cancelled: "cancelled" };

  function localDay(date) {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(date);
  }

  function wallMinutes(text) {
    // The API writes times in the restaurant's zone with their offset: the wall clock is
    // in the text itself.
    return Number(text.slice(11, 13)) * 60 + Number(text.slice(14, 16));
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${response.status} from ${url}`);
    return response.json();
  }

  async function sheetOf(day) {
    let url = `${RESERVATIONS_URL}?date=${day}&page_size=100`;
    const found = [];
    while (url) {
      const page = await getJSON(url);
      found.push(...page.results);
      url = page.next;
    }
    return found;
  }

  function movesFor(reservation, now) {
    const started = Date.parse(reservation.start);
    return MOVES.filter(
      (move) => move.from === reservation.status && (!move.after_grace || now >= started + GRACE_MS)
    );
  }

  async function move(reservation, to) {
    const response = await fetch(`${RESERVATIONS_URL}/${reservation.id}`, {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ status: to }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      live.textContent = body.detail || `Could not move reservation ${reservation.id}`;
      live.dataset.state = "problem";
    }
    refresh();
  }

  function span(reservations) {
    let first = 17 * 60;
    let last = 23 * 60;
    for (const r of reservations) {
      first = Math.min(first, wallMinutes(r.start));
      last = Math.max(last, endMinutes(r));
    }
    return [Math.floor(first / 60) * 60, Math.ceil(last / 60) * 60];
  }

  function endMinutes(reservation) {
    const start = wallMinutes(reservation.start);
    const end = wallMinutes(reservation.end);
    return end <= start ? 24 * 60 : end;
  }

  function nowMinutes(now) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(now);
    const part = (type) => Number(parts.find((p) => p.type === type).value);
    return part("hour") * 60 + part("minute");
  }

  function drawHours(first, last) {
    hours.replaceChildren();
    for (let minute = first; minute < last; minute += 60) {
      const mark = document.createElement("span");
      mark.textContent = `${String(Math.floor(minute / 60) % 24).padStart(2, "0")}:00`;
      mark.style.left = `${((minute - first) / (last - first)) * 100}%`;
      hours.append(mark);
    }
    rowsList.style.setProperty("--hour", `${(60 / (last - first)) * 100}%`);
  }

  function drawNow(day, first, last, now) {
    // The line is drawn on today's sheet only, within the hours shown.
    const minute = nowMinutes(now);
    const shown = day === localDay(now) && minute >= first && minute <= last;
    nowLine.hidden = !shown;
    if (!shown) return;
    const share = (minute - first) / (last - first);
    nowLine.style.left = `calc(var(--names) + (100% - var(--names)) * ${share})`;
    nowLine.firstElementChild.textContent = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
  }

  function drawSummary(reservations) {
    const count = (status) => reservations.filter((r) => r.status === status).length;
    const covers = reservations
      .filter((r) => ["confirmed", "seated", "completed"].includes(r.status))
      .reduce((sum, r) => sum + r.party_size, 0);
    summary.replaceChildren();
    const words = { confirmed: "expected", seated: "seated", completed: "done", no_show: "no-show", cancelled: "cancelled" };
    for (const [status, word] of Object.entries(words)) {
      const item = document.createElement("li");
      item.dataset.status = status;
      const figure = document.createElement("b");
      figure.textContent = count(status);
      item.append(figure, word);
      summary.append(item);
    }
    const item = document.createElement("li");
    item.className = "covers";
    const figure = document.createElement("b");
    figure.textContent = covers;
    item.append(figure, "covers");
    summary.append(item);
  }

  function lanes(reservations) {
    // Bars of one table that overlap (a cancelled booking and the one that took its place)
    // go one under the other. Returns each reservation's lane and how many there are.
    const ends = [];
    const lane = new Map();
    for (const r of [...reservations].sort((a, b) => wallMinutes(a.start) - wallMinutes(b.start))) {
      let i = ends.findIndex((end) => end <= wallMinutes(r.start));
      if (i === -1) i = ends.length;
      ends[i] = endMinutes(r);
      lane.set(r.id, i);
    }
    return [lane, Math.max(1, ends.length)];
  }

  function text(tag, className, content) {
    const element = document.createElement(tag);
    element.className = className;
    element.textContent = content;
    return element;
  }

  function bar(reservation, first, last, now, lane) {
    const start = wallMinutes(reservation.start);
    const end = endMinutes(reservation);
    const late = reservation.status === "confirmed" && now > Date.parse(reservation.start);
    const item = document.createElement("li");
    item.className = "booking";
    item.dataset.status = reservation.status;
    item.dataset.id = reservation.id;
    item.dataset.late = late;
    item.style.left = `${((start - first) / (last - first)) * 100}%`;
    item.style.width = `${((end - start) / (last - first)) * 100}%`;
    item.style.top = `${lane * 3.6 + 0.25}rem`;
    const what = document.createElement("p");
    what.className = "what";
    const time = text("time", "", reservation.start.slice(11, 16));
    time.dateTime = reservation.start;
    what.append(
      time,
      text("span", "who-booked", reservation.name),
      text("span", "party", reservation.party_size),
    );
    what.lastElementChild.title = `${reservation.party_size} guests`;
    item.title = `${reservation.name}, ${reservation.party_size} guests, ${LABELS[reservation.status] || reservation.status}${reservation.note ? ": " + reservation.note : ""}`;
    const actions = document.createElement("p");
    actions.className = "actions";
    const minutesLate = Math.floor((now - Date.parse(reservation.start)) / 60000);
    const state = late ? `late ${minutesLate}′` : STATES[reservation.status] || reservation.status;
    actions.append(text("span", "state", state));
    for (const next of movesFor(reservation, now)) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.to = next.to;
      button.textContent = LABELS[next.to] || next.to;
      if (next.to === "cancelled") {
        // The rarest move at the stand takes the least room: a cross, named for readers.
        button.setAttribute("aria-label", button.textContent);
        button.title = button.textContent;
        button.textContent = "✕";
      }
      button.addEventListener("click", () => move(reservation, next.to));
      actions.append(button);
    }
    item.append(what, actions);
    return item;
  }

  function draw(day, tables, reservations) {
    const now = Date.now();
    const [first, last] = span(reservations);
    drawHours(first, last);
    drawNow(day, first, last, now);
    drawSummary(reservations);
    empty.hidden = tables.length > 0;
    rowsList.replaceChildren();
    for (const table of tables) {
      const row = document.createElement("li");
      row.className = "row";
      row.dataset.table = table.id;
      if (!table.active) row.classList.add("inactive");
      const name = document.createElement("h2");
      name.textContent = `${table.name}`;
      name.append(text("span", "seats", `${table.seats} seats`));
      const line = document.createElement("ol");
      line.className = "line";
      line.setAttribute("aria-label", `Reservations at ${table.name}`);
      const own = reservations.filter((r) => r.table && r.table.id === table.id);
      const [lane, count] = lanes(own);
      line.style.setProperty("--lanes", count);
      for (const r of own) line.append(bar(r, first, last, now, lane.get(r.id)));
      row.append(name, line);
      rowsList.append(row);
    }
  }

  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    try {
      const day = dayInput.value || localDay(new Date());
      const [tables, reservations] = await Promise.all([getJSON(TABLES_URL), sheetOf(day)]);
      draw(day, tables, reservations);
      const held = reservations.filter((r) => r.status === "confirmed" || r.status === "seated");
      const at = new Date().toLocaleTimeString("en-GB", { timeZone: ZONE });
      live.textContent = `${held.length} held · updated ${at}`;
      live.dataset.state = "live";
    } catch (error) {
      live.textContent = "Offline: retrying";
      live.dataset.state = "problem";
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  dayInput.value = localDay(new Date());
  dayInput.addEventListener("change", refresh);
  refresh();
})();
