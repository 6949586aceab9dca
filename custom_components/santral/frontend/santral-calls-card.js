// The Santral call log, fax inbox and voicemail box as a Lovelace card.
// A plain web component: it loads with the frontend as is, with no build step and nothing
// fetched from elsewhere. Rows come from the integration's websocket commands
// (santral/calls, santral/faxes, santral/voicemails) and their subscriptions, so new calls,
// faxes and messages show up live.

const STRINGS = {
  en: {
    calls: "Calls",
    faxes: "Faxes",
    voicemails: "Voicemail",
    no_voicemails: "No voicemail",
    play_voicemail: "Play message",
    listening: "Message from {party}",
    missed_only: "Missed only",
    call_back: "Call back",
    play: "Play recording",
    open: "Open",
    no_calls: "No calls",
    no_faxes: "No faxes",
    loading: "Loading…",
    extension: "ext. {extension}",
    pages: "{pages} p.",
    received: "Received",
    sent: "Sent",
    failed: "Failed",
    calling: "Calling {number} from extension {extension}",
    no_extension: "Set an extension in the card's settings to call back",
    entry_id: "Santral account (all when empty)",
    extension_field: "Extension that calls back (voicemail: its box only)",
    limit: "Rows",
    mode: "Show",
    title: "Title",
    details: "Details",
    from: "From: {party}",
    to: "To: {party}",
    inbound: "Incoming",
    outbound: "Outgoing",
    internal: "Internal",
    answered: "Answered",
    missed: "Missed",
    playing: "Recording: {party}",
    answered_by: "Answered by {extension}",
    rang: "Rang: {extensions}",
  },
  tr: {
    calls: "Aramalar",
    faxes: "Fakslar",
    voicemails: "Sesli mesajlar",
    no_voicemails: "Sesli mesaj yok",
    play_voicemail: "Mesajı dinle",
    listening: "Mesaj: {party}",
    missed_only: "Yalnızca cevapsız",
    call_back: "Geri ara",
    play: "Kaydı dinle",
    open: "Aç",
    no_calls: "Arama yok",
    no_faxes: "Faks yok",
    loading: "Yükleniyor…",
    extension: "dahili {extension}",
    pages: "{pages} sf.",
    received: "Alındı",
    sent: "Gönderildi",
    failed: "Başarısız",
    calling: "{number}, {extension} dahilisinden aranıyor",
    no_extension: "Geri aramak için kartın ayarlarında bir dahili seçin",
    entry_id: "Santral hesabı (boşsa tümü)",
    extension_field: "Geri arayan dahili (sesli mesajda yalnızca onun kutusu)",
    limit: "Satır",
    mode: "Göster",
    title: "Başlık",
    details: "Ayrıntılar",
    from: "Arayan: {party}",
    to: "Aranan: {party}",
    inbound: "Gelen",
    outbound: "Giden",
    internal: "Dahili",
    answered: "Cevaplandı",
    missed: "Cevapsız",
    playing: "Kayıt: {party}",
    answered_by: "{extension} dahilisi açtı",
    rang: "Çalan dahililer: {extensions}",
  },
};

const MODES = ["calls", "faxes", "voicemails"];
// Each mode's websocket command, the field its subscription's messages carry, and the key
// of its list.
const SOURCES = {
  calls: { type: "santral/calls", field: "call", list: "calls" },
  faxes: { type: "santral/faxes", field: "fax", list: "faxes" },
  voicemails: { type: "santral/voicemails", field: "voicemail", list: "voicemails" },
};
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;
const TICK_MS = 30000;
// How long a fax document's signed link stays valid: enough to open it, not to keep it.
const SIGNED_SECONDS = 300;

function language(hass) {
  const tag = (hass && ((hass.locale && hass.locale.language) || hass.language)) || "en";
  return tag;
}

function strings(hass) {
  const base = language(hass).split("-")[0].toLowerCase();
  return STRINGS[base] || STRINGS.en;
}

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

const UNITS = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

function relativeTime(iso, lang, now) {
  const seconds = (Date.parse(iso) - now) / 1000;
  if (Number.isNaN(seconds)) {
    return "";
  }
  let formatter;
  try {
    formatter = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  } catch (_error) {
    formatter = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  }
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return formatter.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds <= 0) {
    return "";
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

// The moment in Home Assistant's time zone unless the user's profile asks for the browser's.
function absoluteTime(iso, hass, lang) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) {
    return "";
  }
  const options = { dateStyle: "medium", timeStyle: "medium" };
  const zone = hass && hass.locale && hass.locale.time_zone;
  if (zone !== "local" && hass && hass.config && hass.config.time_zone) {
    options.timeZone = hass.config.time_zone;
  }
  try {
    return new Intl.DateTimeFormat(lang, options).format(moment);
  } catch (_error) {
    return moment.toLocaleString();
  }
}

function party(name, display, number) {
  const shown = display || number || "";
  return name ? `${name} (${shown})` : shown;
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === "text") {
      node.textContent = value;
    } else if (name.startsWith("on")) {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? "" : value);
    }
  }
  for (const child of children) {
    if (child) {
      node.append(child);
    }
  }
  return node;
}

function icon(name, className) {
  const node = element("ha-icon", { class: className });
  node.icon = name;
  node.setAttribute("icon", name);
  return node;
}

const STYLE = `
  :host { display: block; }
  ha-card { overflow: hidden; height: 100%; }
  .header { display: flex; align-items: center; justify-content: space-between; gap: 4px 12px;
    padding: 12px 16px 4px; flex-wrap: wrap; }
  .title { color: var(--ha-card-header-color, var(--primary-text-color));
    font-family: var(--ha-card-header-font-family, inherit);
    font-size: var(--ha-card-header-font-size, 24px); letter-spacing: -0.012em;
    line-height: 40px; }
  .toggle { display: flex; align-items: center; gap: 6px; font-size: 0.9em; min-height: 40px;
    color: var(--secondary-text-color); cursor: pointer; }
  .toggle input { accent-color: var(--primary-color); margin: 0; width: 18px; height: 18px; }
  ul { list-style: none; margin: 0; padding: 0 0 8px; }
  li { display: flex; flex-wrap: wrap; align-items: center; gap: 0 12px; padding: 8px 8px 8px 16px;
    min-width: 0; border-top: 1px solid var(--divider-color); }
  li:first-child { border-top: none; }
  .kind { color: var(--state-icon-color, var(--secondary-text-color)); flex: none; }
  .kind.missed, .kind.failed { color: var(--error-color); }
  .text { flex: 1; min-width: 0; cursor: pointer; border-radius: 4px; outline: none; }
  .text:focus-visible { box-shadow: 0 0 0 2px var(--primary-color); }
  .name { color: var(--primary-text-color); overflow: hidden; text-overflow: ellipsis;
    white-space: nowrap; }
  .name.missed { color: var(--error-color); }
  .details { color: var(--secondary-text-color); font-size: 0.85em; overflow: hidden;
    text-overflow: ellipsis; white-space: nowrap; }
  .more { flex-basis: 100%; padding: 4px 0 4px 36px; color: var(--secondary-text-color);
    font-size: 0.85em; line-height: 1.5; overflow-wrap: anywhere; }
  .actions { display: flex; gap: 0; flex: none; }
  button { background: none; border: none; padding: 8px; border-radius: 50%; cursor: pointer;
    color: var(--primary-color, var(--primary-text-color)); line-height: 0; }
  button:hover, button:focus-visible { outline: none;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.15)); }
  button[disabled] { cursor: default; color: var(--disabled-text-color, var(--secondary-text-color)); }
  .empty, .message { padding: 8px 16px 16px; color: var(--secondary-text-color); }
  .message.error { color: var(--error-color); }
  .playing { padding: 4px 16px 0; color: var(--secondary-text-color); font-size: 0.85em;
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  audio { display: block; width: calc(100% - 32px); margin: 4px 16px 12px; }
  [hidden] { display: none !important; }
`;

class SantralCallsCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = { mode: "calls", limit: DEFAULT_LIMIT };
    this._hass = null;
    this._rows = new Map();
    // When each row arrived: of calls that ended in the same second, the one heard last
    // comes first, as the websocket API orders them.
    this._arrived = new Map();
    this._arrivals = 0;
    this._openRow = null;
    this._playing = null;
    this._loaded = false;
    this._missedOnly = false;
    this._unsubscribe = null;
    this._generation = 0;
    this._message = null;
    this._parts = null;
    this._language = null;
    this._connection = null;
    this._onReady = () => this._load();
  }

  static getConfigElement() {
    return document.createElement("santral-calls-card-editor");
  }

  static getStubConfig() {
    return { mode: "calls", limit: DEFAULT_LIMIT };
  }

  setConfig(config) {
    if (!config || typeof config !== "object") {
      throw new Error("Invalid configuration");
    }
    const mode = config.mode || "calls";
    if (!MODES.includes(mode)) {
      throw new Error(`mode must be one of: ${MODES.join(", ")}`);
    }
    const limit = config.limit === undefined ? DEFAULT_LIMIT : Number(config.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new Error(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    const previous = this._config;
    this._config = { ...config, mode, limit };
    if (previous.mode !== mode || previous.entry_id !== config.entry_id || previous.limit !== limit) {
      this._load();
    } else {
      this._render();
    }
  }

  set hass(hass) {
    const first = this._hass === null;
    this._hass = hass;
    if (hass.connection !== this._connection) {
      if (this._connection) {
        this._connection.removeEventListener("ready", this._onReady);
      }
      this._connection = hass.connection;
      this._connection.addEventListener("ready", this._onReady);
      this._load();
      return;
    }
    if (first || language(hass) !== this._language) {
      this._render();
    }
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this._timer = window.setInterval(() => this._render(), TICK_MS);
    if (this._hass && !this._unsubscribe) {
      this._load();
    }
  }

  disconnectedCallback() {
    window.clearInterval(this._timer);
    this._stop();
  }

  getCardSize() {
    return 1 + Math.min(this._rows.size || 1, this._config.limit);
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto" };
  }

  _stop() {
    this._generation += 1;
    const unsubscribe = this._unsubscribe;
    this._unsubscribe = null;
    if (unsubscribe) {
      unsubscribe.then((stop) => stop()).catch(() => undefined);
    }
  }

  _filters() {
    const filters = {};
    if (this._config.entry_id) {
      filters.entry_id = this._config.entry_id;
    }
    if (this._config.mode === "calls" && this._missedOnly) {
      filters.missed_only = true;
    }
    if (this._config.mode === "voicemails" && this._config.extension) {
      filters.extension = String(this._config.extension);
    }
    return filters;
  }

  _key(item) {
    return `${item.entry_id}/${item.call_id ?? item.fax_id ?? item.voicemail_id}`;
  }

  // Subscribes before reading, so that no call ending in between is lost: an event heard
  // before the list arrives is kept over the list's older copy of the same call.
  async _load() {
    if (!this._hass || !this.isConnected) {
      return;
    }
    this._stop();
    const generation = this._generation;
    const { type, field, list } = SOURCES[this._config.mode];
    const filters = this._filters();
    const live = new Map();
    this._rows = new Map();
    this._arrived = new Map();
    this._loaded = false;
    this._message = null;
    this._render();
    const onEvent = (message) => {
      if (generation !== this._generation || !message[field]) {
        return;
      }
      const item = message[field];
      const key = this._key(item);
      live.set(key, item);
      this._rows.set(key, item);
      this._arrivals += 1;
      this._arrived.set(key, this._arrivals);
      this._trim();
      this._render();
    };
    try {
      this._unsubscribe = this._hass.connection.subscribeMessage(onEvent, {
        type: `${type}/subscribe`,
        ...filters,
      });
      await this._unsubscribe;
      const result = await this._hass.connection.sendMessagePromise({
        type,
        ...filters,
        limit: this._config.limit,
      });
      if (generation !== this._generation) {
        return;
      }
      // Newest first, and all heard before the events that came in meanwhile.
      (result[list] || []).forEach((item, index) => {
        const key = this._key(item);
        if (!live.has(key)) {
          this._rows.set(key, item);
          this._arrived.set(key, -index);
        }
      });
      this._trim();
      this._loaded = true;
    } catch (error) {
      if (generation !== this._generation) {
        return;
      }
      this._loaded = true;
      this._message = { error: true, text: (error && error.message) || String(error) };
    }
    this._render();
  }

  _trim() {
    const moment = (item) => Date.parse(item.time) || 0;
    const sorted = [...this._rows.entries()].sort(
      (a, b) =>
        moment(b[1]) - moment(a[1]) ||
        (this._arrived.get(b[0]) || 0) - (this._arrived.get(a[0]) || 0)
    );
    this._rows = new Map(sorted.slice(0, this._config.limit));
  }

  _notify(text, error = false) {
    this._message = { error, text };
    this._render();
    this.dispatchEvent(
      new CustomEvent("hass-notification", {
        detail: { message: text },
        bubbles: true,
        composed: true,
      })
    );
  }

  async _callBack(call) {
    const t = strings(this._hass);
    const number = call.direction === "outbound" ? call.callee : call.caller;
    const shown = call.direction === "outbound" ? call.callee_display : call.caller_display;
    const extension = String(this._config.extension);
    try {
      await this._hass.callService("santral", "originate", {
        config_entry_id: call.entry_id,
        extension,
        destination: number,
      });
      this._notify(format(t.calling, { number: shown || number, extension }));
    } catch (error) {
      this._notify((error && error.message) || String(error), true);
    }
  }

  // A recording's or a message's link is asked for when it is played: it lasts an hour.
  async _play(item) {
    const voicemail = item.voicemail_id !== undefined;
    try {
      const result = await this._hass.callWS({
        type: "call_service",
        domain: "santral",
        service: voicemail ? "get_voicemail_url" : "get_recording_url",
        service_data: voicemail
          ? { config_entry_id: item.entry_id, voicemail_id: item.voicemail_id }
          : { config_entry_id: item.entry_id, call_id: item.call_id },
        return_response: true,
      });
      this._message = null;
      this._playing = item;
      this._render();
      const { audio } = this._parts;
      audio.hidden = false;
      audio.src = result.response.url;
      audio.play().catch(() => undefined);
    } catch (error) {
      this._notify((error && error.message) || String(error), true);
    }
  }

  async _open(fax) {
    // Opened at once, while the click still counts as the user's, then pointed at the
    // document once its signed URL is known: the page cannot send its token with a link.
    const view = window.open("", "_blank");
    try {
      const signed = await this._hass.callWS({
        type: "auth/sign_path",
        path: fax.document_url,
        expires: SIGNED_SECONDS,
      });
      const url = this._hass.hassUrl ? this._hass.hassUrl(signed.path) : signed.path;
      if (view) {
        view.location.href = url;
      } else {
        window.open(url, "_blank");
      }
    } catch (error) {
      if (view) {
        view.close();
      }
      this._notify((error && error.message) || String(error), true);
    }
  }

  _toggleMissed(event) {
    this._missedOnly = event.target.checked;
    this._load();
  }

  _callRow(call, t, lang, now) {
    const outbound = call.direction === "outbound";
    const missed = call.type === "missed";
    let kind = "mdi:phone-incoming";
    if (missed) {
      kind = "mdi:phone-missed";
    } else if (outbound) {
      kind = "mdi:phone-outgoing";
    }
    const name = outbound
      ? call.callee_name || call.callee_display || call.callee
      : call.caller_name || call.caller_display || call.caller;
    const details = [
      relativeTime(call.time, lang, now),
      duration(call.duration),
      // The extension that took the call, where the provider told it, is the one to show.
      call.answered_by || call.extension
        ? format(t.extension, { extension: call.answered_by || call.extension })
        : "",
    ].filter(Boolean);
    const canCallBack = Boolean(this._config.extension);
    const key = this._key(call);
    const more = [
      [t[call.direction] || call.direction, t[missed ? "missed" : "answered"]].join(" · "),
      format(t.from, { party: party(call.caller_name, call.caller_display, call.caller) }),
      format(t.to, { party: party(call.callee_name, call.callee_display, call.callee) }),
      [absoluteTime(call.time, this._hass, lang), duration(call.duration)].filter(Boolean).join(" · "),
    ];
    if (call.answered_by) {
      more.push(format(t.answered_by, { extension: call.answered_by }));
    }
    if (call.rang && call.rang.length) {
      more.push(format(t.rang, { extensions: call.rang.join(", ") }));
    }
    return element(
      "li",
      { class: `call ${missed ? "missed" : ""}`, "data-call-id": call.call_id, "data-type": call.type },
      [
        icon(kind, `kind ${missed ? "missed" : ""}`),
        this._summary(key, t, [
          element("div", { class: `name ${missed ? "missed" : ""}`, text: name }),
          element("div", { class: "details", text: details.join(" · ") }),
        ]),
        element("div", { class: "actions" }, [
          call.recording_available
            ? element("button", { class: "play", title: t.play, "aria-label": t.play, onclick: () => this._play(call) }, [
                icon("mdi:play"),
              ])
            : null,
          element(
            "button",
            {
              class: "call-back",
              title: canCallBack ? t.call_back : t.no_extension,
              "aria-label": t.call_back,
              disabled: !canCallBack,
              onclick: () => this._callBack(call),
            },
            [icon("mdi:phone-return")]
          ),
        ]),
        this._more(key, more),
      ]
    );
  }

  // The name and the summary line; a tap shows or hides the row's details.
  _summary(key, t, children) {
    const open = this._openRow === key;
    const toggle = () => {
      this._openRow = open ? null : key;
      this._render();
    };
    return element(
      "div",
      {
        class: "text",
        role: "button",
        tabindex: "0",
        title: t.details,
        "aria-expanded": open ? "true" : "false",
        onclick: toggle,
        onkeydown: (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            toggle();
          }
        },
      },
      children
    );
  }

  _more(key, lines) {
    if (this._openRow !== key) {
      return null;
    }
    return element(
      "div",
      { class: "more" },
      lines.filter(Boolean).map((line) => element("div", { text: line }))
    );
  }

  _voicemailRow(message, t, lang, now) {
    const key = this._key(message);
    const name = message.caller_name || message.caller_display || message.caller;
    const box = message.extension ? format(t.extension, { extension: message.extension }) : "";
    const details = [relativeTime(message.time, lang, now), duration(message.duration), box].filter(Boolean);
    const canCallBack = Boolean(this._config.extension);
    const more = [
      format(t.from, { party: party(message.caller_name, message.caller_display, message.caller) }),
      [absoluteTime(message.time, this._hass, lang), duration(message.duration), box].filter(Boolean).join(" · "),
    ];
    return element("li", { class: "voicemail", "data-voicemail-id": message.voicemail_id }, [
      icon("mdi:voicemail", "kind"),
      this._summary(key, t, [
        element("div", { class: "name", text: name }),
        element("div", { class: "details", text: details.join(" · ") }),
      ]),
      element("div", { class: "actions" }, [
        element("button", { class: "play", title: t.play_voicemail, "aria-label": t.play_voicemail, onclick: () => this._play(message) }, [
          icon("mdi:play"),
        ]),
        element(
          "button",
          {
            class: "call-back",
            title: canCallBack ? t.call_back : t.no_extension,
            "aria-label": t.call_back,
            disabled: !canCallBack,
            onclick: () => this._callBack({ ...message, direction: "inbound" }),
          },
          [icon("mdi:phone-return")]
        ),
      ]),
      this._more(key, more),
    ]);
  }

  _faxRow(fax, t, lang, now) {
    const failed = fax.type === "failed";
    const details = [
      t[fax.type] || fax.type,
      relativeTime(fax.time, lang, now),
      fax.pages ? format(t.pages, { pages: fax.pages }) : "",
    ].filter(Boolean);
    const key = this._key(fax);
    const inbound = fax.direction === "inbound";
    const more = [
      [t[fax.direction] || fax.direction, t[fax.type] || fax.type].join(" · "),
      format(inbound ? t.from : t.to, {
        party: party(fax.remote_name, fax.remote_display, fax.remote),
      }),
      [absoluteTime(fax.time, this._hass, lang), fax.pages ? format(t.pages, { pages: fax.pages }) : ""]
        .filter(Boolean)
        .join(" · "),
    ];
    return element("li", { class: "fax", "data-fax-id": fax.fax_id, "data-type": fax.type }, [
      icon(failed ? "mdi:fax-off" : "mdi:fax", `kind ${failed ? "failed" : ""}`),
      this._summary(key, t, [
        element("div", { class: "name", text: fax.remote_name || fax.remote_display || fax.remote }),
        element("div", { class: "details", text: details.join(" · ") }),
      ]),
      element("div", { class: "actions" }, [
        fax.document_url
          ? element("button", { class: "open", title: t.open, "aria-label": t.open, onclick: () => this._open(fax) }, [
              icon("mdi:open-in-new"),
            ])
          : null,
      ]),
      this._more(key, more),
    ]);
  }

  _render() {
    if (!this.shadowRoot) {
      return;
    }
    const t = strings(this._hass);
    const lang = language(this._hass);
    this._language = lang;
    const mode = this._config.mode;
    const calls = mode === "calls";
    const now = Date.now();
    const header = element("div", { class: "header" }, [
      element("div", { class: "title", text: this._config.title || t[mode] }),
      calls
        ? element("label", { class: "toggle" }, [
            element("input", {
              type: "checkbox",
              class: "missed-only",
              checked: this._missedOnly,
              onchange: (event) => this._toggleMissed(event),
            }),
            element("span", { text: t.missed_only }),
          ])
        : null,
    ]);
    const row = { calls: this._callRow, faxes: this._faxRow, voicemails: this._voicemailRow }[mode];
    const rows = [...this._rows.values()].map((item) => row.call(this, item, t, lang, now));
    let body;
    if (rows.length) {
      body = element("ul", {}, rows);
    } else {
      body = element("div", { class: "empty", text: this._loaded ? t[`no_${mode}`] : t.loading });
    }
    if (!this._parts) {
      // Built once: the audio element is kept across renders, so playback goes on while
      // calls arrive.
      this._parts = {
        header: element("div"),
        body: element("div"),
        playing: element("div", { class: "playing", hidden: true }),
        audio: element("audio", { controls: true, hidden: true }),
        message: element("div"),
      };
      const { header: top, body: middle, playing, audio, message } = this._parts;
      this.shadowRoot.replaceChildren(
        element("style", { text: STYLE }),
        element("ha-card", {}, [top, middle, playing, audio, message])
      );
    }
    const call = this._playing;
    this._parts.playing.hidden = !call;
    this._parts.playing.textContent = call
      ? format(call.voicemail_id !== undefined ? t.listening : t.playing, {
          party:
            call.direction === "outbound"
              ? call.callee_name || call.callee_display || call.callee
              : call.caller_name || call.caller_display || call.caller,
        })
      : "";
    this._parts.header.replaceChildren(header);
    this._parts.body.replaceChildren(body);
    this._parts.message.replaceChildren(
      this._message
        ? element("div", { class: `message ${this._message.error ? "error" : ""}`, text: this._message.text })
        : ""
    );
  }
}

class SantralCallsCardEditor extends HTMLElement {
  constructor() {
    super();
    this._config = {};
    this._hass = null;
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
  }

  _schema(t) {
    return [
      { name: "mode", selector: { select: { mode: "dropdown", options: [
        { value: "calls", label: t.calls },
        { value: "faxes", label: t.faxes },
        { value: "voicemails", label: t.voicemails },
      ] } } },
      { name: "entry_id", selector: { config_entry: { integration: "santral" } } },
      { name: "extension", selector: { text: {} } },
      { name: "limit", selector: { number: { min: 1, max: MAX_LIMIT, mode: "box" } } },
      { name: "title", selector: { text: {} } },
    ];
  }

  _render() {
    if (!this._hass) {
      return;
    }
    const t = strings(this._hass);
    if (!this._form) {
      this._form = document.createElement("ha-form");
      this._form.addEventListener("value-changed", (event) => {
        const config = { ...event.detail.value };
        for (const [name, value] of Object.entries(config)) {
          if (value === "" || value === undefined || value === null) {
            delete config[name];
          }
        }
        this._config = config;
        this.dispatchEvent(
          new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true })
        );
      });
      this.append(this._form);
    }
    const labels = { ...t, extension: t.extension_field };
    this._form.hass = this._hass;
    this._form.data = { mode: "calls", limit: DEFAULT_LIMIT, ...this._config };
    this._form.schema = this._schema(t);
    this._form.computeLabel = (field) => labels[field.name] || field.name;
  }
}

// Home Assistant's frontend replaces window.customElements with a scoped registry as it
// boots, and a module the integration adds to every page may run before that: what it defined
// then would sit in a registry the dashboards no longer read. The elements are defined once
// the frontend's root element is, in the registry the page uses from then on.
function whenFrontendReady() {
  if (!document.querySelector("home-assistant") || window.customElements.get("home-assistant")) {
    return Promise.resolve();
  }
  return window.customElements.whenDefined("home-assistant");
}

whenFrontendReady().then(() => {
  if (window.customElements.get("santral-calls-card")) {
    return;
  }
  window.customElements.define("santral-calls-card", SantralCallsCard);
  window.customElements.define("santral-calls-card-editor", SantralCallsCardEditor);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: "santral-calls-card",
    name: "Santral call log",
    description: "Recent calls with call back and recordings, the fax inbox or the voicemail box, live from Santral.",
    preview: true,
  });
});
