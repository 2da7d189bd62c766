// The dashboard: reads the Worker's own JSON API (/v1/models, /v1/models/{name}/history, and with the
// admin token /v1/admin/...), draws it, and sends the operator's actions through the admin API.
import { barChart, colorOf, followWidths, formatNumber, timeChart } from "./charts.js";

const TOKEN_KEY = "vane-admin-token";
const AUDIT_PAGE = 20;

const $ = (selector) => document.querySelector(selector);
const chart = (name) => document.querySelector(`figure[data-chart="${name}"]`);

const view = {
  models: [],
  selected: null,
  detail: null,
  history: null,
  auditCursor: null,
};

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

class ApiProblem extends Error {
  constructor(status, body) {
    super(body?.detail ? `${body.title}: ${body.detail}` : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, { method = "GET", body, admin = false } = {}) {
  const headers = { accept: "application/json" };
  if (admin) headers.authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new ApiProblem(response.status, answer);
  return answer;
}

function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "class") node.className = value;
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function status(text) {
  $("#status").textContent = text;
}

const formatBytes = (bytes) =>
  bytes === undefined
    ? "–"
    : bytes < 1024
      ? `${bytes} B`
      : bytes < 1048576
        ? `${(bytes / 1024).toFixed(1)} KiB`
        : `${(bytes / 1048576).toFixed(1)} MiB`;

const formatTime = (iso) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

// ---------------------------------------------------------------------------- models and versions

function roleOf(summary, version) {
  if (summary.active === version) return "active";
  if (summary.candidate?.version === version) return "candidate";
  if (summary.previous.includes(version)) return "previous";
  return "";
}

function renderModelList() {
  const list = $("#model-list");
  list.replaceChildren(
    ...view.models.map((model) => {
      const candidate = model.candidate
        ? ` · candidate v${model.candidate.version} (${model.candidate.mode} ${formatShare(model.candidate.share)})`
        : "";
      const button = element("button", { type: "button", dataset: { model: model.name } }, [
        element("span", { class: "model-name", textContent: model.name }),
        element("span", {
          class: "model-meta",
          textContent: `${model.active === null ? "nothing active" : `active v${model.active}`}${candidate}`,
        }),
      ]);
      button.setAttribute("aria-current", String(model.name === view.selected));
      button.addEventListener("click", () => select(model.name));
      return element("li", {}, [button]);
    }),
  );
  if (view.models.length === 0)
    list.replaceChildren(element("li", { class: "empty", textContent: "No models are registered." }));
}

const formatShare = (share) => `${Math.round(share * 1000) / 10}%`;

function numbersList(numbers) {
  const entries = Object.entries(numbers ?? {});
  if (entries.length === 0) return document.createTextNode("–");
  return element(
    "dl",
    { class: "numbers" },
    entries.flatMap(([key, value]) => [
      element("dt", { textContent: key }),
      element("dd", {
        textContent:
          typeof value === "number"
            ? formatNumber(value, 4)
            : typeof value === "object"
              ? JSON.stringify(value)
              : String(value),
      }),
    ]),
  );
}

function lineageText(lineage) {
  if (!lineage) return "–";
  if (typeof lineage !== "object") return String(lineage);
  return Object.entries(lineage)
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`)
    .join(", ");
}

function renderModel() {
  const detail = view.detail;
  $("#model").hidden = false;
  $("#model-title").textContent = detail.name;
  const candidate = detail.candidate;
  const state = view.adminState;
  const badges = [];
  if (state?.pinned) badges.push(element("span", { class: "tag pinned", textContent: "pinned" }));
  if (state?.probation)
    badges.push(
      element("span", { class: "tag probation", textContent: `v${state.probation.version} on probation` }),
    );
  $("#traffic").replaceChildren(
    element("p", {}, [
      detail.active === null
        ? "Nothing is active. "
        : `Active v${detail.active} answers ${candidate?.mode === "canary" ? formatShare(1 - candidate.share) : "all"} of the traffic. `,
      candidate
        ? `Candidate v${candidate.version} in ${candidate.mode} mode, ${candidate.mode === "canary" ? "answering" : "scoring"} ${formatShare(candidate.share)}${candidate.mode === "shadow" ? " beside it" : ""}, since ${formatTime(candidate.since)}. `
        : "No candidate. ",
      detail.previous.length > 0 ? `Previous: ${detail.previous.map((v) => `v${v}`).join(", ")}. ` : "",
      ...badges,
    ]),
  );
  const header = element(
    "tr",
    {},
    ["Version", "Role", "Input", "Task", "Bytes", "Created", "Evaluation", "Lineage"].map((h) =>
      element("th", { textContent: h }),
    ),
  );
  const rows = [...detail.versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      const role = roleOf(detail, v.version);
      return element("tr", { dataset: { version: String(v.version) } }, [
        element("td", { textContent: `v${v.version}` }),
        element("td", {}, [role ? element("span", { class: `tag ${role}`, textContent: role }) : ""]),
        element("td", { textContent: v.error ? `unreadable: ${v.error}` : (v.input ?? "–") }),
        element("td", {
          textContent: v.task ? `${v.task}${v.labels ? ` (${v.labels.join(", ")})` : ""}` : "–",
        }),
        element("td", { textContent: formatBytes(v.bytes) }),
        element("td", { textContent: v.createdAt ? formatTime(v.createdAt) : "–" }),
        element("td", {}, [numbersList(v.metrics)]),
        element("td", { textContent: lineageText(v.lineage) }),
      ]);
    });
  $("#versions").replaceChildren(element("thead", {}, [header]), element("tbody", {}, rows));
  $("#action-version").replaceChildren(
    ...[...detail.versions]
      .sort((a, b) => b.version - a.version)
      .map((v) =>
        element("option", {
          value: String(v.version),
          textContent: `v${v.version}`,
          selected: v.version === candidate?.version,
        }),
      ),
  );
  if (candidate) {
    $("#action-mode").value = candidate.mode;
    $("#action-share").value = String(candidate.share);
  }
}

// ---------------------------------------------------------------------------- charts

/** Every (version, serving role) with data in the span, in the order the API lists versions. */
function seriesKeys(history) {
  const keys = [];
  for (const version of history.versions) {
    for (const [role, data] of Object.entries(version.byRole)) {
      keys.push({ label: `v${version.version} · ${role}`, version, role, data, color: colorOf(keys.length) });
    }
  }
  return keys;
}

function bucketStarts(keys) {
  const starts = new Set();
  for (const key of keys) for (const bucket of key.data.buckets) starts.add(Date.parse(bucket.start));
  return [...starts].sort((a, b) => a - b);
}

function valuesAt(x, key, read) {
  const byStart = new Map(key.data.buckets.map((b) => [Date.parse(b.start), b]));
  return x.map((t) => {
    const bucket = byStart.get(t);
    return bucket ? read(bucket) : null;
  });
}

function featureList(history) {
  const features = new Map();
  for (const version of history.versions)
    for (const f of version.features) if (!features.has(f.name)) features.set(f.name, f);
  return [...features.values()];
}

/**
 * A data-quality feature's share of bad values in a bucket: the mean of a numeric share (non-finite,
 * out of range), or for a quality state (tabular columns) the share of values whose state is not "ok".
 */
function qualityShare(point) {
  if (!point || point.count === 0) return null;
  if (point.categories) return 1 - (point.categories.ok ?? 0) / point.count;
  return point.mean;
}

function renderTimeCharts() {
  const history = view.history;
  const keys = seriesKeys(history);
  const x = bucketStarts(keys);
  const span = [Date.parse(history.from), Date.parse(history.until)];
  const bucketText =
    history.bucketSeconds % 3600 === 0
      ? `${history.bucketSeconds / 3600} h`
      : `${history.bucketSeconds / 60} min`;
  $("#span").textContent =
    `${formatTime(history.from)} to ${formatTime(history.until)}, in buckets of ${bucketText}.`;

  timeChart(chart("samples"), {
    x,
    span,
    series: keys.map((k) => ({
      label: k.label,
      color: k.color,
      values: valuesAt(x, k, (b) => b.samples),
      total: `${k.data.samples} predictions`,
    })),
    format: (v) => formatNumber(v, 4),
  });

  timeChart(chart("latency"), {
    x,
    span,
    series: keys.flatMap((k) => [
      { label: `${k.label} p50`, color: k.color, values: valuesAt(x, k, (b) => b.latencyMs?.p50 ?? null) },
      {
        label: `${k.label} p99`,
        color: k.color,
        dash: [4, 3],
        values: valuesAt(x, k, (b) => b.latencyMs?.p99 ?? null),
      },
    ]),
  });

  const labelled = keys.filter((k) => k.data.labels > 0);
  timeChart(chart("accuracy"), {
    x,
    span,
    series: labelled.map((k) => ({
      label: k.label,
      color: k.color,
      values: valuesAt(x, k, (b) => (b.labels > 0 ? b.correct / b.labels : null)),
      total: `${formatShare(k.data.correct / k.data.labels)} of ${k.data.labels} labels`,
    })),
    yRange: [0, 1],
    format: (v) => (v === null ? "–" : formatShare(v)),
    emptyText: "No feedback labels in this span.",
  });

  timeChart(chart("labels"), {
    x,
    span,
    series: labelled.map((k) => ({
      label: k.label,
      color: k.color,
      values: valuesAt(x, k, (b) => b.labels),
      total: `${k.data.labels} labels`,
    })),
    emptyText: "No feedback labels in this span.",
  });

  timeChart(chart("errors"), {
    x,
    span,
    series: keys.map((k) => ({
      label: k.label,
      color: k.color,
      values: valuesAt(x, k, (b) => b.errors.rate),
      total: `${k.data.errors.count} errors (${k.data.errors.rate === null ? "–" : formatShare(k.data.errors.rate)})`,
    })),
    threshold: {
      value: history.policy.maxErrorRate,
      label: `threshold ${formatShare(history.policy.maxErrorRate)}`,
    },
    format: (v) => (v === null ? "–" : formatShare(v)),
  });

  const quality = featureList(history).filter((f) => f.dataQuality);
  timeChart(chart("quality"), {
    x,
    span,
    series: keys.flatMap((k) =>
      quality.map((f, i) => ({
        label: `${k.label} ${f.name}`,
        color: colorOf(keys.indexOf(k) + i),
        dash: i === 0 ? undefined : [2 + 2 * i, 3],
        values: valuesAt(x, k, (b) => qualityShare(b.features[f.name])),
      })),
    ),
    format: (v) => (v === null ? "–" : formatShare(v)),
    emptyText:
      quality.length === 0
        ? "This model's drift spec has no data-quality features."
        : "No data in this span.",
  });
}

function renderFeatureCharts() {
  const history = view.history;
  const keys = seriesKeys(history);
  const x = bucketStarts(keys);
  const span = [Date.parse(history.from), Date.parse(history.until)];
  const feature = $("#feature").value;
  const threshold = { value: history.policy.driftPsi, label: `threshold ${history.policy.driftPsi}` };
  timeChart(chart("psi"), {
    x,
    span,
    series: keys.map((k) => ({
      label: k.label,
      color: k.color,
      values: valuesAt(x, k, (b) => b.features[feature]?.psi ?? null),
    })),
    threshold,
    emptyText: feature
      ? "No drift readings for this feature (no reference, or no data)."
      : "This model has no drift features.",
  });
  timeChart(chart("ks"), {
    x,
    span,
    series: keys.map((k) => ({
      label: k.label,
      color: k.color,
      values: valuesAt(x, k, (b) => b.features[feature]?.ks ?? null),
    })),
    yRange: [0, 1],
    emptyText: "KS applies to numeric features with a reference.",
  });
  renderDistributions();
}

function binLabels(distribution) {
  if (distribution.kind === "categorical")
    return distribution.categories.map((c) => (c === "__other__" ? "other" : c));
  const edges = distribution.edges;
  const f = (v) => formatNumber(v, 3);
  const interior = Math.max(1, edges.length - 1);
  const labels = [`< ${f(edges[0])}`];
  for (let i = 0; i < interior; i++) {
    const point = edges.length === 1 || edges[i] === edges[i + 1];
    labels.push(point ? `= ${f(edges[i])}` : `${f(edges[i])} – ${f(edges[i + 1])}`);
  }
  labels.push(`> ${f(edges.at(-1))}`);
  return labels;
}

/** Bins neither side uses, at the two ends, are left out (values beyond the reference's range). */
function trimmed(bins, sides) {
  const used = bins.map((_, i) => sides.some((s) => s.counts && s.counts[i] > 0));
  const first = used.indexOf(true);
  const last = used.lastIndexOf(true);
  if (first < 0) return { bins, sides };
  return {
    bins: bins.slice(first, last + 1),
    sides: sides.map((s) => ({ ...s, counts: s.counts ? s.counts.slice(first, last + 1) : null })),
  };
}

function distributionChart(figure, key, name, emptyText) {
  const distribution = key?.data.distributions[name];
  if (!distribution) {
    barChart(figure, { bins: [], sides: [], emptyText });
    return;
  }
  const sides = [
    { label: "reference", color: "#5b6673", counts: distribution.reference },
    { label: `live ${key.label}`, color: key.color, counts: distribution.live },
  ];
  barChart(figure, { ...trimmed(binLabels(distribution), sides), emptyText });
}

function renderDistributions() {
  const keys = seriesKeys(view.history);
  const key = keys.find((k) => k.label === $("#series").value) ?? keys[0];
  distributionChart(
    chart("distribution"),
    key,
    $("#feature").value,
    "No values of this feature in this span.",
  );
  const classes = featureList(view.history).find((f) => f.kind === "predicted-label");
  const figure = chart("classes");
  figure.hidden = !classes;
  if (classes) distributionChart(figure, key, classes.name, "No predictions in this span.");
}

function renderHistory() {
  const features = featureList(view.history);
  const feature = $("#feature");
  const previous = feature.value;
  feature.replaceChildren(
    ...features.map((f) =>
      element("option", {
        value: f.name,
        textContent: `${f.name} (${f.kind})`,
        selected: f.name === previous,
      }),
    ),
  );
  const series = $("#series");
  const chosen = series.value;
  series.replaceChildren(
    ...seriesKeys(view.history).map((k) =>
      element("option", { value: k.label, textContent: k.label, selected: k.label === chosen }),
    ),
  );
  renderTimeCharts();
  renderFeatureCharts();
}

// ---------------------------------------------------------------------------- audit

function renderAudit(records, append) {
  const list = $("#audit-list");
  const items = records.map((record) =>
    element("li", { dataset: { audit: record.id, action: record.action } }, [
      element("div", { class: "audit-head" }, [
        element("span", { class: "audit-action", textContent: record.action.replaceAll("_", " ") }),
        record.version === null ? "" : element("span", { class: "tag", textContent: `v${record.version}` }),
        element("span", { class: "audit-actor", textContent: `by ${record.actor}` }),
        element("time", { class: "audit-when", dateTime: record.at, textContent: formatTime(record.at) }),
      ]),
      element("p", { class: "audit-reason", textContent: record.reason }),
      numbersList(record.numbers),
    ]),
  );
  if (append) list.append(...items);
  else list.replaceChildren(...items);
}

async function loadAudit(append = false) {
  if (!token()) {
    $("#audit-note").hidden = false;
    $("#audit-list").replaceChildren();
    $("#audit-more").hidden = true;
    return;
  }
  const cursor = append && view.auditCursor ? `&cursor=${encodeURIComponent(view.auditCursor)}` : "";
  const page = await api(`/v1/admin/models/${view.selected}/audit?limit=${AUDIT_PAGE}${cursor}`, {
    admin: true,
  });
  $("#audit-note").hidden = page.records.length > 0 || append;
  $("#audit-note").textContent = "No decisions or actions yet.";
  view.auditCursor = page.cursor;
  $("#audit-more").hidden = page.cursor === null;
  renderAudit(page.records, append);
}

// ---------------------------------------------------------------------------- actions

const ACTIONS = {
  promote: (version) => ({
    text: `Promote v${version} of ${view.selected} to active? It serves all traffic at once, on probation.`,
    path: "promote",
    method: "POST",
    body: { version },
  }),
  rollback: () => ({
    text: `Roll ${view.selected} back to the version the last promotion replaced?`,
    path: "rollback",
    method: "POST",
    body: {},
  }),
  pin: (version) => ({
    text: `Pin v${version} of ${view.selected}? It becomes active and the scheduler stops changing it.`,
    path: "pin",
    method: "POST",
    body: { version },
  }),
  unpin: () => ({
    text: `Hand ${view.selected} back to the scheduler?`,
    path: "unpin",
    method: "POST",
    body: {},
  }),
  traffic: () => {
    const mode = $("#action-mode").value;
    const share = Number($("#action-share").value);
    return {
      text: `Set the candidate of ${view.selected} to ${mode} with ${formatShare(share)} of the traffic?`,
      path: "candidate",
      method: "PUT",
      body: { mode, share },
    };
  },
};

function confirmed(text) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-reason").value = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

async function act(name) {
  const spec = ACTIONS[name](Number($("#action-version").value));
  if (!(await confirmed(spec.text))) return;
  const reason = $("#confirm-reason").value.trim();
  const body = reason ? { ...spec.body, reason } : spec.body;
  const result = $("#action-result");
  try {
    const answer = await api(`/v1/admin/models/${view.selected}/${spec.path}`, {
      method: spec.method,
      body,
      admin: true,
    });
    result.textContent = `Done: ${answer.audit.action.replaceAll("_", " ")}${answer.audit.version === null ? "" : ` v${answer.audit.version}`} (audit ${answer.audit.id}).`;
    await Promise.all([loadModels(), loadSelected()]);
  } catch (error) {
    result.textContent = `Refused: ${error.message}`;
  }
}

// ---------------------------------------------------------------------------- loading

async function loadModels() {
  view.models = (await api("/v1/models")).models;
  renderModelList();
}

async function loadSelected() {
  const name = view.selected;
  const lookback = $("#lookback").value;
  delete document.body.dataset.loaded;
  const [detail, history, adminModel] = await Promise.all([
    api(`/v1/models/${name}`),
    api(`/v1/models/${name}/history?window=${lookback}`),
    token() ? api(`/v1/admin/models/${name}`, { admin: true }) : Promise.resolve(null),
  ]);
  if (name !== view.selected) return;
  Object.assign(view, { detail, history, adminState: adminModel?.state ?? null });
  renderModel();
  renderHistory();
  await loadAudit();
  // What has been drawn, for anyone (a test) waiting on it: the model, and whether as an operator.
  document.body.dataset.admin = String(adminModel !== null);
  document.body.dataset.loaded = name;
}

async function select(name) {
  view.selected = name;
  view.auditCursor = null;
  window.history.replaceState(null, "", `#${encodeURIComponent(name)}`);
  renderModelList();
  await guarded(loadSelected);
}

async function guarded(work) {
  try {
    status("");
    await work();
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showToken();
      status("The admin token was refused: enter it again.");
      return;
    }
    status(error.message);
  }
}

function showToken() {
  const has = token() !== null;
  $("#token-forget").hidden = !has;
  $("#token").placeholder = has ? "token in use" : "for the audit log and actions";
  $("#actions").hidden = !has;
}

function start() {
  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("#token").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("#token").value = "";
    showToken();
    if (view.selected) await guarded(loadSelected);
  });
  $("#token-forget").addEventListener("click", async () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showToken();
    if (view.selected) await guarded(loadSelected);
  });
  $("#lookback").addEventListener("change", () => view.selected && guarded(loadSelected));
  $("#refresh").addEventListener("click", () =>
    guarded(async () => {
      await loadModels();
      if (view.selected) await loadSelected();
    }),
  );
  $("#feature").addEventListener("change", renderFeatureCharts);
  $("#series").addEventListener("change", renderDistributions);
  $("#audit-more").addEventListener("click", () => guarded(() => loadAudit(true)));
  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
  showToken();
  followWidths();
  guarded(async () => {
    await loadModels();
    const wanted = decodeURIComponent(location.hash.slice(1));
    const first = view.models.find((m) => m.name === wanted) ?? view.models[0];
    if (first) await select(first.name);
    else document.body.dataset.loaded = "";
  });
}

start();
