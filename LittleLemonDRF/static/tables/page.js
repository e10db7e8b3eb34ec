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
  const MOVES = JSON.parse(document.getElementById("table-moves").textContent);
  const LABELS = JSON.parse(document.getElementById("table-labels").textContent);
  const TABLES_URL = sheet.dataset.tablesUrl;
  const RESERVATIONS_URL = sheet.dataset.reservationsUrl;
  const ZONE = sheet.dataset.timezone;
  const GRACE_MS = Number(sheet.dataset.graceMinutes) * 60000;
  const POLL_MS = Number(sheet.dataset.pollSeconds) * 1000;

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
      const end = wallMinutes(r.end);
      last = Math.max(last, end < wallMinutes(r.start) ? 24 * 60 : end);
    }
    return [Math.floor(first / 60) * 60, Math.ceil(last / 60) * 60];
  }

  function drawHours(first, last) {
    hours.replaceChildren();
    for (let minute = first; minute < last; minute += 60) {
      const mark = document.createElement("span");
      mark.textContent = `${String(Math.floor(minute / 60) % 24).padStart(2, "0")}:00`;
      mark.style.left = `${((minute - first) / (last - first)) * 100}%`;
      hours.append(mark);
    }
  }

  function bar(reservation, first, last, now) {
    const start = wallMinutes(reservation.start);
    let end = wallMinutes(reservation.end);
    if (end <= start) end = 24 * 60;
    const item = document.createElement("li");
    item.className = "booking";
    item.dataset.status = reservation.status;
    item.dataset.id = reservation.id;
    item.style.left = `${((start - first) / (last - first)) * 100}%`;
    item.style.width = `${((end - start) / (last - first)) * 100}%`;
    const what = document.createElement("p");
    what.className = "what";
    what.textContent = `${reservation.start.slice(11, 16)} ${reservation.name} · ${reservation.party_size}`;
    item.title = `${reservation.name}, ${reservation.party_size} guests, ${reservation.status}${reservation.note ? ": " + reservation.note : ""}`;
    item.append(what);
    const actions = document.createElement("p");
    actions.className = "actions";
    for (const next of movesFor(reservation, now)) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.to = next.to;
      button.textContent = LABELS[next.to] || next.to;
      button.addEventListener("click", () => move(reservation, next.to));
      actions.append(button);
    }
    item.append(actions);
    return item;
  }

  function draw(tables, reservations) {
    const now = Date.now();
    const [first, last] = span(reservations);
    drawHours(first, last);
    empty.hidden = tables.length > 0;
    rowsList.replaceChildren();
    for (const table of tables) {
      const row = document.createElement("li");
      row.className = "row";
      row.dataset.table = table.id;
      if (!table.active) row.classList.add("inactive");
      const name = document.createElement("h2");
      name.textContent = `${table.name}`;
      const seats = document.createElement("span");
      seats.className = "seats";
      seats.textContent = `${table.seats} seats`;
      name.append(seats);
      const line = document.createElement("ol");
      line.className = "line";
      line.setAttribute("aria-label", `Reservations at ${table.name}`);
      for (const r of reservations) {
        if (r.table && r.table.id === table.id) line.append(bar(r, first, last, now));
      }
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
      draw(tables, reservations);
      const held = reservations.filter((r) => r.status === "confirmed" || r.status === "seated");
      live.textContent = `${held.length} reservations · updated ${new Date().toLocaleTimeString()}`;
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
