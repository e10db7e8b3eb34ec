// The kitchen board: open orders in a column per state, kept live from the order stream.
//
// What a card may do next comes from the transition table the page carries (#kitchen-moves,
// rendered from the server's own table): this script knows no state names and no rules.
"use strict";

(function () {
  const board = document.getElementById("board");
  const live = document.getElementById("live");
  const MOVES = JSON.parse(document.getElementById("kitchen-moves").textContent);
  const ORDERS_URL = board.dataset.ordersUrl;
  const STREAM_URL = board.dataset.streamUrl;
  const CANCELLED = board.dataset.cancelled;
  const RECONNECT_MS = 5000;
  const AGE_REFRESH_MS = 30000;

  const columns = new Map(
    Array.from(board.querySelectorAll("section[data-state]"), (section) => [
      section.dataset.state,
      section,
    ])
  );
  // The latest version of every order seen, open or not, so that a late event cannot bring
  // back an older one.
  const known = new Map();

  // --- The transition table ---------------------------------------------------------------

  function fits(move, order) {
    return move.from === order.state && (move.fulfilment === null || move.fulfilment === order.fulfilment);
  }

  function movesFor(order) {
    return MOVES.filter((move) => fits(move, order) && (!move.needs_crew || order.delivery_crew));
  }

  function whyStuck(order) {
    // A forward move the order would have with a crew member assigned.
    const waiting = MOVES.some((move) => fits(move, order) && move.to !== CANCELLED && move.needs_crew);
    return waiting ? "Assign a crew member to send it out." : "No next step from the board.";
  }

  // --- Cards ---------------------------------------------------------------------------------

  function label(state) {
    const words = state.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function minutesSince(iso) {
    return Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
  }

  function renderAge(time) {
    time.textContent = `${minutesSince(time.dateTime)} min`;
  }

  function buildCard(order) {
    const card = element("li", "card");
    card.dataset.orderId = order.id;
    const article = element("article");
    article.setAttribute("aria-labelledby", `order-${order.id}`);
    card.append(article);

    const head = element("header", "card-head");
    const title = element("h3", null, `#${order.id}`);
    title.id = `order-${order.id}`;
    const age = element("time", "age");
    age.dateTime = order.placed_at;
    age.title = `Placed ${new Date(order.placed_at).toLocaleTimeString()}`;
    renderAge(age);
    head.append(title, age);

    const lines = element("ul", "lines");
    for (const line of order.items) {
      lines.append(element("li", null, `${line.quantity} × ${line.title}`));
    }

    const meta = element("p", "meta");
    meta.append(
      element("span", `fulfilment fulfilment-${order.fulfilment}`, order.fulfilment),
      element("span", order.delivery_crew ? "crew" : "crew none",
        order.delivery_crew ? order.delivery_crew.username : "no crew")
    );
    article.append(head, lines, meta);
    if (order.note) article.append(element("p", "note", order.note));

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
      const button = element("button", "next", `Move to ${move.to.replace(/_/g, " ")}`);
      button.type = "button";
      button.addEventListener("click", () => send(card, order, { state: move.to }));
      actions.append(button);
    }
    if (cancel) {
      const button = element("button", "cancel", "Cancel");
      button.type = "button";
      button.setAttribute("aria-label", `Cancel order ${order.id}`);
      button.addEventListener("click", () => askToCancel(card, order, cancel));
      actions.append(button);
    }
    article.append(actions);
    return card;
  }

  function version(order) {
    // Every move adds to the history; list entries come without one.
    return order.history ? order.history.length : -1;
  }

  function show(order) {
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
    // Oldest first: orders are numbered as they are placed.
    const list = column.querySelector(".cards");
    const next = Array.from(list.children).find((other) => Number(other.dataset.orderId) > order.id);
    list.insertBefore(card, next || null);
    refreshCounts();
  }

  function refreshCounts() {
    for (const column of columns.values()) {
      column.querySelector(".count").textContent = column.querySelectorAll(".card").length;
    }
  }

  // --- Moving an order -------------------------------------------------------------------------

  function askToCancel(card, order, move) {
    const question = move.needs_reason
      ? `Why is order #${order.id} cancelled? (a reason is required)`
      : `Why is order #${order.id} cancelled? (optional)`;
    const reason = window.prompt(question, "");
    if (reason === null) return;
    const body = { state: move.to };
    if (reason.trim()) body.reason = reason.trim();
    send(card, order, body);
  }

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

  async function send(card, order, body) {
    const buttons = card.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    let response;
    let answer = null;
    try {
      response = await fetch(`${ORDERS_URL}/${order.id}`, {
        method: "PATCH",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify(body),
      });
      answer = await response.json().catch(() => null);
    } catch (error) {
      return complain(card, buttons, "The server could not be reached; try again.");
    }
    if (response.ok) return show(answer);
    complain(card, buttons, problemText(response.status, answer));
  }

  function complain(card, buttons, text) {
    const problem = card.querySelector(".problem");
    problem.textContent = text;
    problem.hidden = false;
    buttons.forEach((button) => { button.disabled = false; });
  }

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
    if (loaded) show(order);
    else waiting.push(order);
  }

  async function load() {
    // Read once the stream is open: a change made meanwhile is then in the list or in the stream.
    if (loading || loaded) return;
    loading = true;
    try {
      (await loadOpenOrders()).forEach(show);
    } catch (error) {
      setLive("error", "Could not read the orders; reload the page.");
      return;
    } finally {
      loading = false;
    }
    loaded = true;
    waiting.forEach(show);
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

  window.setInterval(() => {
    board.querySelectorAll("time.age").forEach(renderAge);
  }, AGE_REFRESH_MS);
  connect();
})();
