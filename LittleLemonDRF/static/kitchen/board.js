// The kitchen board: open orders in a column per state, kept live from the order stream.
//
// What a card may do next is the order's `moves`, as the API sends them for this caller; the
// transition table the page carries (#kitchen-moves, rendered from the server's own) only
// words them (a reason required, a crew member awaited). This script knows no state names
// and no rules.
"use strict";

(function () {
  const board = document.getElementById("board");
  const live = document.getElementById("live");
  const MOVES = JSON.parse(document.getElementById("kitchen-moves").textContent);
  const LABELS = JSON.parse(document.getElementById("kitchen-labels").textContent);
  const ORDERS_URL = board.dataset.ordersUrl;
  const STREAM_URL = board.dataset.streamUrl;
  const CANCELLED = board.dataset.cancelled;
  const AMBER_MINUTES = Number(board.dataset.amberMinutes);
  const RED_MINUTES = Number(board.dataset.redMinutes);
  const RECONNECT_MS = 5000;
  const TICK_MS = 15000;
  const FLASH_MS = 6000;

  const columns = new Map(
    Array.from(board.querySelectorAll("section[data-state]"), (section) => [
      section.dataset.state,
      section,
    ])
  );
  // The latest version of every order seen, open or not, so that a late event cannot bring
  // back an older one.
  const known = new Map();

  // --- What a card may do ------------------------------------------------------------------

  function row(order, to) {
    // The server's table row for a move, which says only how to word it.
    return MOVES.find((move) => move.from === order.state && move.to === to);
  }

  function movesFor(order) {
    // Exactly the moves the API sent for this caller: the board adds none and drops none.
    return (order.moves || []).map((to) => ({ to, needs_reason: Boolean((row(order, to) || {}).needs_reason) }));
  }

  function whyStuck(order) {
    // Wording only: whether a move from this state waits for a crew member, as the table says.
    const waiting = !order.delivery_crew && MOVES.some((move) => move.from === order.state && move.needs_crew);
    return waiting ? "Assign a crew member to send it out." : "No next step from the board.";
  }

  // --- Words and times -----------------------------------------------------------------------

  function words(value) {
    const text = String(value).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clockTime(iso) {
    const when = new Date(iso);
    const time = when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    if (when.toDateString() === new Date().toDateString()) return time;
    return `${when.toLocaleDateString([], { weekday: "short" })} ${time}`;
  }

  function whenText(order) {
    const parts = [];
    if (order.slot) parts.push(`Slot ${clockTime(order.slot)}`);
    if (order.eta) parts.push(`ETA ${clockTime(order.eta)}`);
    return parts.length ? parts.join(" · ") : "As soon as possible";
  }

  function minutesSince(iso) {
    return Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
  }

  function renderAge(time) {
    const minutes = minutesSince(time.dateTime);
    time.textContent = minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
    const card = time.closest(".card");
    if (minutes >= RED_MINUTES) card.dataset.age = "red";
    else if (minutes >= AMBER_MINUTES) card.dataset.age = "amber";
    else delete card.dataset.age;
  }

  // --- Cards ---------------------------------------------------------------------------------

  function buildLines(order) {
    const lines = element("ul", "lines");
    for (const line of order.items) {
      const item = element("li");
      item.append(element("span", "qty", `${line.quantity} ×`), " ", element("span", "dish", line.title));
      if (Array.isArray(line.choices) && line.choices.length) {
        item.append(element("span", "choices", line.choices.map((choice) => choice.name).join(", ")));
      }
      if (line.note) item.append(element("span", "line-note", line.note));
      lines.append(item);
    }
    return lines;
  }

  function buildFacts(order) {
    const facts = element("p", "facts");
    facts.append(
      element("span", `fulfilment fulfilment-${order.fulfilment}`, words(order.fulfilment)),
      element("span", `payment payment-${order.payment_status}`,
        `${words(order.payment_method)} · ${words(order.payment_status).toLowerCase()}`),
      element("span", "total", order.total)
    );
    // Crew only matters for a delivery; a pickup is collected at the counter.
    if (order.fulfilment !== "pickup") {
      facts.append(order.delivery_crew
        ? element("span", "crew", `Crew: ${order.delivery_crew.username}`)
        : element("span", "crew crew-none", "No crew yet"));
    }
    return facts;
  }

  function buildCard(order) {
    const card = element("li", "card");
    card.dataset.orderId = order.id;
    if (order.slot) card.dataset.slot = String(Date.parse(order.slot));
    const article = element("article");
    article.setAttribute("aria-labelledby", `order-${order.id}`);
    card.append(article);

    const head = element("header", "card-head");
    const title = element("h3", null, `#${order.id}`);
    title.id = `order-${order.id}`;
    const age = element("time", "age");
    age.dateTime = order.placed_at;
    age.title = `Placed at ${clockTime(order.placed_at)}`;
    head.append(title, age);
    // Whose it is and when it is wanted: one line, or two on a narrow card.
    const whose = element("p", "whose");
    whose.append(
      element("span", "customer", order.user ? order.user.username : ""),
      element("span", "when", whenText(order))
    );

    article.append(head, whose, buildLines(order));
    if (order.note) article.append(element("p", "note", order.note));
    article.append(buildFacts(order));

    const moves = movesFor(order);
    const forward = moves.filter((move) => move.to !== CANCELLED);
    const cancel = moves.find((move) => move.to === CANCELLED);
    if (!forward.length) article.append(element("p", "stuck", whyStuck(order)));

    const problem = element("p", "problem");
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    article.append(problem);

    const actions = element("div", "actions");
    for (const move of forward) {
      const button = element("button", "next", LABELS[move.to] || `Move to ${words(move.to).toLowerCase()}`);
      button.type = "button";
      button.dataset.to = move.to;
      button.addEventListener("click", () => moveCard(card, order, { state: move.to }));
      actions.append(button);
    }
    if (cancel) {
      const button = element("button", "cancel", "Cancel…");
      button.type = "button";
      button.dataset.to = cancel.to;
      button.setAttribute("aria-label", `Cancel order ${order.id}`);
      button.addEventListener("click", () => askToCancel(card, order, cancel));
      actions.append(button);
    }
    article.append(actions);
    renderAge(age);
    return card;
  }

  function version(order) {
    // Every move adds to the history; list entries come without one.
    return order.history ? order.history.length : -1;
  }

  function show(order, { announce = false } = {}) {
    const before = known.get(order.id);
    if (before && version(order) >= 0 && version(order) < version(before)) return;
    known.set(order.id, order);
    const old = board.querySelector(`.card[data-order-id="${order.id}"]`);
    const column = columns.get(order.state);
    if (!column) {
      if (old) old.remove();
      return refreshCounts();
    }
    const card = buildCard(order);
    if (old) old.remove();
    // Oldest first: orders are numbered as they are placed. A column ordered by slot (orders
    // for later) puts the soonest wanted first, then by number.
    const list = column.querySelector(".cards");
    const bySlot = column.dataset.orderBy === "slot";
    const key = (node) => [bySlot ? Number(node.dataset.slot || 0) : 0, Number(node.dataset.orderId)];
    const mine = key(card);
    const next = Array.from(list.children).find((other) => {
      const theirs = key(other);
      return theirs[0] > mine[0] || (theirs[0] === mine[0] && theirs[1] > mine[1]);
    });
    list.insertBefore(card, next || null);
    refreshCounts();
    if (announce && !old && !before) greet(card);
  }

  function refreshCounts() {
    for (const column of columns.values()) {
      const count = column.querySelectorAll(".card").length;
      column.querySelector(".count").textContent = count;
      // A busy column takes more of the width; its cards then sit side by side.
      column.style.setProperty("--cards", Math.max(count, 1));
      column.classList.toggle("is-empty", count === 0);
    }
  }

  function greet(card) {
    card.classList.add("fresh");
    window.setTimeout(() => card.classList.remove("fresh"), FLASH_MS);
    board.dataset.announced = String(Number(board.dataset.announced || 0) + 1);
    window.kitchenChime();
  }

  // --- Moving an order -------------------------------------------------------------------------

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
  }

  function problemText(status, body) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && typeof body === "object") {
      const messages = Object.values(body).flat().filter((text) => typeof text === "string");
      if (messages.length) return messages.join(" ");
    }
    return `The server answered ${status}.`;
  }

  async function patch(order, body) {
    // {order} when the server took the change, {problem} with its words when not.
    try {
      const response = await fetch(`${ORDERS_URL}/${order.id}`, {
        method: "PATCH",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => null);
      return response.ok ? { order: answer } : { problem: problemText(response.status, answer) };
    } catch (error) {
      return { problem: "The server could not be reached; try again." };
    }
  }

  function setBusy(card, busy) {
    card.querySelectorAll("button").forEach((button) => { button.disabled = busy; });
  }

  function say(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  async function moveCard(card, order, body) {
    setBusy(card, true);
    const result = await patch(order, body);
    if (result.order) return show(result.order);
    setBusy(card, false);
    say(card.querySelector(".problem"), result.problem);
  }

  const dialog = document.getElementById("cancel-dialog");
  const reasonField = dialog.querySelector("textarea");
  const dialogProblem = dialog.querySelector(".problem");
  const confirmButton = dialog.querySelector(".danger");
  let cancelling = null;

  function askToCancel(card, order, move) {
    cancelling = { card, order, move };
    dialog.querySelector("h2").textContent = `Cancel order #${order.id}?`;
    const who = order.user ? ` for ${order.user.username}` : "";
    dialog.querySelector(".confirm-what").textContent =
      `${words(order.state)}${who}: ${order.items.map((line) => `${line.quantity} × ${line.title}`).join(", ")}.`;
    dialog.querySelector(".confirm-need").textContent = move.needs_reason ? "(required)" : "(optional)";
    reasonField.value = "";
    say(dialogProblem, "");
    confirmButton.disabled = false;
    dialog.showModal();
  }

  confirmButton.addEventListener("click", async () => {
    if (!cancelling) return;
    const { card, order, move } = cancelling;
    const body = { state: move.to };
    if (reasonField.value.trim()) body.reason = reasonField.value.trim();
    confirmButton.disabled = true;
    const result = await patch(order, body);
    confirmButton.disabled = false;
    if (!result.order) return say(dialogProblem, result.problem);
    cancelling = null;
    dialog.close();
    show(result.order);
    if (card.isConnected) say(card.querySelector(".problem"), "");
  });

  dialog.addEventListener("close", () => { cancelling = null; });

  // --- Reading the open orders, then the stream ---------------------------------------------------

  async function loadOpenOrders() {
    const query = new URLSearchParams({ state: Array.from(columns.keys()).join(","), page_size: "100" });
    let url = `${ORDERS_URL}?${query}`;
    const orders = [];
    while (url) {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
      const page = await response.json();
      orders.push(...page.results);
      url = page.next;
    }
    return orders;
  }

  function setLive(state, text) {
    live.dataset.state = state;
    live.textContent = text;
  }

  let loaded = false;
  let loading = false;
  let open = false; // whether the stream is connected now
  let waiting = []; // events that came while the open orders were being read
  let lastEventId = "";

  function onEvent(message) {
    lastEventId = message.lastEventId || lastEventId;
    const order = JSON.parse(message.data);
    if (loaded) show(order, { announce: true });
    else waiting.push(order);
  }

  async function load() {
    // Read once the stream is open: a change made meanwhile is then in the list or in the stream.
    if (loading || loaded) return;
    loading = true;
    try {
      (await loadOpenOrders()).forEach((order) => show(order));
    } catch (error) {
      setLive("error", "Could not read the orders; reload the page.");
      return;
    } finally {
      loading = false;
    }
    loaded = true;
    waiting.forEach((order) => show(order, { announce: true }));
    waiting = [];
    showConnection();
  }

  function showConnection() {
    if (open) setLive("live", "Live");
    else setLive("reconnecting", "Reconnecting…");
  }

  function connect() {
    const url = lastEventId ? `${STREAM_URL}?last_event_id=${encodeURIComponent(lastEventId)}` : STREAM_URL;
    const stream = new EventSource(url);
    stream.addEventListener("order.created", onEvent);
    stream.addEventListener("order.updated", onEvent);
    stream.onopen = () => {
      open = true;
      if (loaded) showConnection();
      else load();
    };
    stream.onerror = () => {
      // The browser reconnects by itself (with Last-Event-ID) unless the answer was an error.
      open = false;
      showConnection();
      if (!loaded) load();
      if (stream.readyState === EventSource.CLOSED) {
        window.setTimeout(connect, RECONNECT_MS);
      }
    };
  }

  const clock = document.getElementById("clock");
  function tick() {
    clock.textContent = new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    board.querySelectorAll("time.age").forEach(renderAge);
  }

  tick();
  refreshCounts();
  window.setInterval(tick, TICK_MS);
  connect();
})();
