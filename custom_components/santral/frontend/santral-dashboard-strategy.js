// A ready-made telephony dashboard: `strategy: {type: custom:santral}` builds it from the
// Santral entities the user has, so a new account or extension shows up without editing.
// Per account: the call log and fax inbox cards, today's counts, balance and PBX state, the
// extensions' states, and buttons that call the latest callers back.

const STRINGS = {
  en: {
    title: "Telephony",
    today: "Today and account",
    extensions: "Extensions",
    presence: "At the PBX",
    call: "Call",
    none: "No Santral account is set up yet. Add one under Settings > Devices & services.",
  },
  tr: {
    title: "Telefon",
    today: "Bugün ve hesap",
    extensions: "Dahililer",
    presence: "Santralde",
    call: "Ara",
    none: "Henüz bir Santral hesabı yok. Ayarlar > Cihazlar ve hizmetler altından ekleyin.",
  },
};

const DOMAIN = "santral";
// The order of the account's sensors in the "today" section, by translation key.
const ACCOUNT_SENSORS = [
  "calls_today",
  "missed_calls_today",
  "faxes_received_today",
  "outgoing_faxes_pending",
  "balance",
  "pbx_state",
  "package",
];
const CALL_BUTTONS = 6;
const CALLS_READ = 50;

function strings(hass) {
  const tag = (hass && ((hass.locale && hass.locale.language) || hass.language)) || "en";
  return STRINGS[tag.split("-")[0].toLowerCase()] || STRINGS.en;
}

function extensionNumber(entryId, device) {
  const prefix = `${entryId}_extension_`;
  for (const [domain, identifier] of device.identifiers || []) {
    if (domain === DOMAIN && identifier.startsWith(prefix)) {
      return identifier.slice(prefix.length);
    }
  }
  return null;
}

function byNumber(a, b) {
  return a.number.localeCompare(b.number, undefined, { numeric: true });
}

// Each account (its device) with its entities, and its extensions with theirs.
function accounts(hass) {
  const devices = Object.values(hass.devices || {});
  const found = [];
  for (const device of devices) {
    const entryId = (device.identifiers || [])
      .filter(([domain, identifier]) => domain === DOMAIN && !identifier.includes("_extension_"))
      .map(([, identifier]) => identifier)[0];
    if (entryId) {
      found.push({ entryId, device, sensors: {}, events: [], extensions: [] });
    }
  }
  const extensionOf = new Map();
  for (const account of found) {
    for (const device of devices) {
      const number = extensionNumber(account.entryId, device);
      if (number !== null) {
        const extension = { number, device, callState: null, presence: null };
        account.extensions.push(extension);
        extensionOf.set(device.id, extension);
      }
    }
    account.extensions.sort(byNumber);
  }
  const accountOf = new Map(found.map((account) => [account.device.id, account]));
  for (const entity of Object.values(hass.entities || {})) {
    if (entity.platform !== DOMAIN || entity.hidden) {
      continue;
    }
    const account = accountOf.get(entity.device_id);
    const extension = extensionOf.get(entity.device_id);
    if (account && entity.translation_key) {
      account.sensors[entity.translation_key] = entity.entity_id;
    } else if (extension && entity.translation_key === "extension_call_state") {
      extension.callState = entity.entity_id;
    } else if (extension && entity.translation_key === "extension_presence") {
      extension.presence = entity.entity_id;
    }
  }
  return found.sort((a, b) => (a.device.name || "").localeCompare(b.device.name || ""));
}

// The latest other parties of the account's calls, newest first, each once.
async function latestParties(hass, entryId) {
  let calls = [];
  try {
    ({ calls } = await hass.callWS({ type: "santral/calls", entry_id: entryId, limit: CALLS_READ }));
  } catch (_error) {
    return [];
  }
  const parties = new Map();
  for (const call of calls) {
    if (call.direction === "internal") {
      continue;
    }
    const key = call.direction === "outbound" ? "callee" : "caller";
    const number = call[key];
    if (number && !parties.has(number)) {
      parties.set(number, { number, name: call[`${key}_name`] || call[`${key}_display`] || number });
    }
  }
  return [...parties.values()];
}

function heading(text, icon) {
  return { type: "heading", heading: text, icon };
}

// A tile named by the entity alone ("Calls today"): the account is the section's heading.
function tile(hass, entity, device) {
  const card = { type: "tile", entity };
  const state = hass.states && hass.states[entity];
  const full = state && state.attributes && state.attributes.friendly_name;
  const prefix = device && `${device.name_by_user || device.name} `;
  if (full && prefix && full.startsWith(prefix) && full.length > prefix.length) {
    card.name = full.slice(prefix.length);
  }
  return card;
}

async function accountSections(hass, config, account, t) {
  const extension =
    config.extension !== undefined
      ? String(config.extension)
      : account.extensions.length
        ? account.extensions[0].number
        : undefined;
  const name = account.device.name_by_user || account.device.name || DOMAIN;
  const sections = [];
  const hasCalls = Boolean(account.sensors.calls_today);
  const hasFaxes = Boolean(account.sensors.faxes_received_today);
  const first = [heading(name, "mdi:phone-classic")];
  if (hasCalls) {
    first.push({ type: "custom:santral-calls-card", entry_id: account.entryId, extension, limit: 10 });
  }
  sections.push({ type: "grid", cards: first });
  const counts = ACCOUNT_SENSORS.map((key) => account.sensors[key]).filter(Boolean);
  if (counts.length) {
    sections.push({
      type: "grid",
      cards: [
        heading(t.today, "mdi:chart-box-outline"),
        ...counts.map((entity) => tile(hass, entity, account.device)),
      ],
    });
  }
  const states = account.extensions.filter((item) => item.callState);
  const presences = account.extensions.filter((item) => item.presence);
  if (states.length || presences.length) {
    const cards = [
      heading(t.extensions, "mdi:deskphone"),
      ...states.map((item) => tile(hass, item.callState, null)),
    ];
    if (presences.length) {
      cards.push({
        type: "entities",
        title: t.presence,
        entities: presences.map((item) => item.presence),
      });
    }
    sections.push({ type: "grid", cards });
  }
  if (hasFaxes) {
    sections.push({
      type: "grid",
      cards: [{ type: "custom:santral-calls-card", entry_id: account.entryId, mode: "faxes", limit: 10 }],
    });
  }
  const contacts = Array.isArray(config.contacts)
    ? config.contacts.map((item) => ({ name: item.name || item.number, number: String(item.number) }))
    : hasCalls
      ? await latestParties(hass, account.entryId)
      : [];
  if (extension && contacts.length) {
    sections.push({
      type: "grid",
      cards: [
        heading(t.call, "mdi:phone-outgoing"),
        ...contacts.slice(0, CALL_BUTTONS).map((contact) => ({
          type: "button",
          name: contact.name,
          icon: "mdi:phone",
          show_state: false,
          grid_options: { columns: 6, rows: 2 },
          tap_action: {
            action: "perform-action",
            perform_action: `${DOMAIN}.originate`,
            data: {
              config_entry_id: account.entryId,
              extension,
              destination: contact.number,
            },
          },
        })),
      ],
    });
  }
  return sections;
}

class SantralDashboardStrategy extends HTMLElement {
  static async generate(config, hass) {
    const t = strings(hass);
    const found = accounts(hass);
    const sections = [];
    for (const account of found) {
      sections.push(...(await accountSections(hass, config || {}, account, t)));
    }
    if (!sections.length) {
      sections.push({ type: "grid", cards: [{ type: "markdown", content: t.none }] });
    }
    return {
      title: (config && config.title) || t.title,
      views: [
        {
          title: (config && config.title) || t.title,
          path: "telephony",
          icon: "mdi:phone-classic",
          type: "sections",
          max_columns: 3,
          sections,
        },
      ],
    };
  }
}

// As for the card: defined once the frontend's root element is, in the registry the page
// uses from then on (the frontend replaces window.customElements as it boots).
function whenFrontendReady() {
  if (!document.querySelector("home-assistant") || window.customElements.get("home-assistant")) {
    return Promise.resolve();
  }
  return window.customElements.whenDefined("home-assistant");
}

whenFrontendReady().then(() => {
  if (!window.customElements.get("ll-strategy-dashboard-santral")) {
    window.customElements.define("ll-strategy-dashboard-santral", SantralDashboardStrategy);
  }
});
