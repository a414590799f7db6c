// Drives every resource of the official Extend TypeScript SDK (`extend-ai`, pinned in
// package.json) against an emulator, and prints one JSON document on stdout:
//
//   {"sdkVersion": "...", "steps": [...], "webhooks": [...]}
//
// Each step is one SDK call: its name, the schema type the answer should have, the HTTP
// status wanted and the status seen, the answer (or the error body) and the request id.
// tests/interop/test_official_ts_sdk.py starts the emulator, runs this script and asserts
// on the result. A failing call is recorded and the script goes on, so one disagreement
// does not hide the others. Every wait is bounded.
//
// Environment: EXTEND_BASE_URL, EXTEND_API_KEY (the emulator's), EXTEND_OTHER_API_KEY (a
// key of another workspace), EXTEND_EDIT_TEMPLATE_ID (a template made in the "dashboard":
// the API only reads them).

import { createServer } from "node:http";

import { ExtendClient, ExtendError } from "extend-ai";
import { SDK_VERSION } from "extend-ai/version.js";

const baseUrl = process.env.EXTEND_BASE_URL;
const token = process.env.EXTEND_API_KEY;
const otherToken = process.env.EXTEND_OTHER_API_KEY;
const templateId = process.env.EXTEND_EDIT_TEMPLATE_ID;
if (!baseUrl || !token || !otherToken || !templateId) {
  console.error(
    "EXTEND_BASE_URL, EXTEND_API_KEY, EXTEND_OTHER_API_KEY and EXTEND_EDIT_TEMPLATE_ID are required",
  );
  process.exit(2);
}

// No retries: an error the emulator answers is what the step records, at once.
const options = { baseUrl, token, maxRetries: 0, timeoutInSeconds: 30 };
const client = new ExtendClient(options);
const other = new ExtendClient({ ...options, token: otherToken });
const wrongKey = new ExtendClient({ ...options, token: "sk_not_a_key" });

const TEXT = "Invoice Number: INV-7\nTotal: 1,250.50\nPaid: yes\nCurrency: EUR\n";
const FILE = { text: TEXT, name: "invoice.txt" };
const PDF = { url: "https://files.example.com/docs/pack.pdf" };
const SCHEMA = {
  type: "object",
  properties: {
    invoice_number: { type: "string" },
    total: { type: "number" },
    paid: { type: "boolean" },
    currency: { type: "string", enum: ["USD", "EUR"] },
    lines: { type: "array", items: { type: "string" } },
  },
  required: ["invoice_number", "total"],
};
const CLASSIFY = {
  classifications: [
    { id: "invoice", type: "invoice", description: "A bill with an invoice number and a total" },
    { id: "receipt", type: "receipt", description: "Proof of a payment made" },
  ],
};
const SPLIT = {
  splitClassifications: [
    { id: "invoice", type: "invoice", description: "A bill" },
    { id: "receipt", type: "receipt", description: "Proof of payment" },
  ],
};

const steps = [];

// One SDK call: `expect` is the schema type of the answer ("ApiError" for an error),
// `want` the HTTP status the emulator should answer. The value is returned (null on error).
async function step(name, expect, call, want = 200) {
  const entry = { name, expect, want, status: null, requestId: null, value: null, error: null };
  steps.push(entry);
  try {
    const { data, rawResponse } = await call().withRawResponse();
    entry.status = rawResponse.status;
    entry.requestId = rawResponse.headers.get("x-extend-request-id");
    entry.value = data === undefined ? null : data;
    return entry.value;
  } catch (error) {
    if (error instanceof ExtendError || error?.statusCode !== undefined) {
      entry.status = error.statusCode ?? null;
      entry.value = error.body ?? null;
      entry.requestId = error.rawResponse?.headers?.get?.("x-extend-request-id") ?? null;
    }
    entry.error = `${error?.constructor?.name ?? "Error"}: ${String(error?.message).slice(0, 300)}`;
    return null;
  }
}

// A run's id, or a placeholder that answers 404 if its creation failed (already recorded).
const idOf = (value) => value?.id ?? "missing";

// --- a receiver for webhook deliveries, on loopback ----------------------------------------

const received = [];
const receiver = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    received.push({
      path: request.url,
      body: Buffer.concat(chunks).toString("utf8"),
      headers: request.headers,
    });
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  });
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;

// --- webhook endpoints and subscriptions ----------------------------------------------------

const ENDPOINT_EVENTS = [
  "extract_run.processed",
  "classify_run.processed",
  "split_run.processed",
  "parse_run.processed",
  "edit_run.processed",
  "form_detection_run.processed",
  "extractor.created",
];
const endpoint = await step("webhookEndpoints.create", "WebhookEndpointCreate", () =>
  client.webhookEndpoints.create({
    url: hookUrl,
    name: "TS receiver",
    enabledEvents: ENDPOINT_EVENTS,
    apiVersion: "2026-02-09",
  }),
);
const endpointId = idOf(endpoint);
await step("webhookEndpoints.retrieve", "WebhookEndpoint", () =>
  client.webhookEndpoints.retrieve(endpointId),
);
await step("webhookEndpoints.list", "WebhookEndpointsListResponse", () =>
  client.webhookEndpoints.list(),
);
await step("webhookEndpoints.update", "WebhookEndpoint", () =>
  client.webhookEndpoints.update(endpointId, { name: "TS receiver 2" }),
);
// A second endpoint, to be deleted: its events never arrive.
const doomed = await step("webhookEndpoints.create (doomed)", "WebhookEndpointCreate", () =>
  client.webhookEndpoints.create({
    url: `${hookUrl}/doomed`,
    name: "Doomed",
    enabledEvents: ["extract_run.processed"],
    apiVersion: "2026-02-09",
  }),
);
await step("webhookEndpoints.delete", "WebhookEndpointsDeleteResponse", () =>
  client.webhookEndpoints.delete(idOf(doomed)),
);
await step(
  "webhookEndpoints.retrieve (deleted)",
  "ApiError",
  () => client.webhookEndpoints.retrieve(idOf(doomed)),
  404,
);

// --- extractors, versions, extract runs -----------------------------------------------------

const extractor = await step("extractors.create", "Extractor", () =>
  client.extractors.create({ name: "Invoices", config: { schema: SCHEMA } }),
);
const ex = idOf(extractor);
await step("extractors.retrieve", "Extractor", () => client.extractors.retrieve(ex));
await step("extractors.update", "Extractor", () => client.extractors.update(ex, { name: "Bills" }));
await step("extractors.list", "ExtractorsListResponse", () => client.extractors.list());
const exMajor = await step("extractorVersions.create (major)", "ExtractorVersion", () =>
  client.extractorVersions.create(ex, { releaseType: "major" }),
);
await step("extractorVersions.create (minor)", "ExtractorVersion", () =>
  client.extractorVersions.create(ex, { releaseType: "minor" }),
);
await step("extractorVersions.retrieve", "ExtractorVersion", () =>
  client.extractorVersions.retrieve(ex, idOf(exMajor)),
);
await step("extractorVersions.list", "ExtractorVersionsListResponse", () =>
  client.extractorVersions.list(ex),
);
const subscription = await step("webhookSubscriptions.create", "WebhookSubscription", () =>
  client.webhookSubscriptions.create({
    webhookEndpointId: endpointId,
    resourceType: "extractor",
    resourceId: ex,
    enabledEvents: ["extract_run.failed"],
  }),
);
const ws = idOf(subscription);
await step("webhookSubscriptions.retrieve", "WebhookSubscription", () =>
  client.webhookSubscriptions.retrieve(ws),
);
await step("webhookSubscriptions.update", "WebhookSubscription", () =>
  client.webhookSubscriptions.update(ws, { enabledEvents: ["extract_run.failed"] }),
);
await step("webhookSubscriptions.list", "WebhookSubscriptionsListResponse", () =>
  client.webhookSubscriptions.list(),
);

const extractRun = await step("extractRuns.create", "ExtractRun", () =>
  client.extractRuns.create({ extractor: { id: ex }, file: FILE }),
);
await step("extractRuns.retrieve", "ExtractRun", () =>
  client.extractRuns.retrieve(idOf(extractRun)),
);
await step("extractRuns.cancel", "ExtractRun", () => client.extractRuns.cancel(idOf(extractRun)));
await step(
  "extractRuns.cancel (cancelled)",
  "ApiError",
  () => client.extractRuns.cancel(idOf(extractRun)),
  400,
);
const extracted = await step("extract", "ExtractRun", () =>
  client.extract({ config: { schema: SCHEMA }, file: FILE }),
);
const firstPage = await step("extractRuns.list", "ExtractRunsListResponse", () =>
  client.extractRuns.list({ maxPageSize: 1 }),
);
await step("extractRuns.list (next page)", "ExtractRunsListResponse", () =>
  client.extractRuns.list({ maxPageSize: 1, nextPageToken: firstPage?.nextPageToken ?? "x" }),
);
await step("extractRuns.create (package)", "ExtractRun", () =>
  client.extractRuns.create({
    extractor: { id: ex },
    package: { files: [PDF, { url: "https://files.example.com/docs/bill.pdf" }] },
  }),
);
const extractBatch = await step("extractRuns.createBatch", "BatchRun", () =>
  client.extractRuns.createBatch({ extractor: { id: ex }, inputs: [{ file: FILE }, { file: PDF }] }),
);
await step("extractRuns.list (batchId)", "ExtractRunsListResponse", () =>
  client.extractRuns.list({ batchId: idOf(extractBatch) }),
);
await step("batchRuns.get", "BatchRun", () => client.batchRuns.get(idOf(extractBatch)));
await step("batchProcessorRun.get", "BatchProcessorRunGetResponse", () =>
  client.batchProcessorRun.get(idOf(extractBatch)),
);
await step("extractRuns.delete", "ExtractRunsDeleteResponse", () =>
  client.extractRuns.delete(idOf(extracted)),
);
await step(
  "extractRuns.retrieve (deleted)",
  "ApiError",
  () => client.extractRuns.retrieve(idOf(extracted)),
  404,
);
const active = await step("extractRuns.create (to delete)", "ExtractRun", () =>
  client.extractRuns.create({ extractor: { id: ex }, file: PDF }),
);
await step(
  "extractRuns.delete (processing)",
  "ApiError",
  () => client.extractRuns.delete(idOf(active)),
  400,
);

// --- classifiers, versions, classify runs ---------------------------------------------------

const classifier = await step("classifiers.create", "Classifier", () =>
  client.classifiers.create({ name: "Mail", config: CLASSIFY }),
);
const cl = idOf(classifier);
await step("classifiers.retrieve", "Classifier", () => client.classifiers.retrieve(cl));
await step("classifiers.update", "Classifier", () => client.classifiers.update(cl, { name: "Post" }));
await step("classifiers.list", "ClassifiersListResponse", () => client.classifiers.list());
const clVersion = await step("classifierVersions.create", "ClassifierVersion", () =>
  client.classifierVersions.create(cl, { releaseType: "major" }),
);
await step("classifierVersions.retrieve", "ClassifierVersion", () =>
  client.classifierVersions.retrieve(cl, idOf(clVersion)),
);
await step("classifierVersions.list", "ClassifierVersionsListResponse", () =>
  client.classifierVersions.list(cl),
);
const classifyRun = await step("classifyRuns.create", "ClassifyRun", () =>
  client.classifyRuns.create({ classifier: { id: cl }, file: FILE }),
);
await step("classifyRuns.retrieve", "ClassifyRun", () =>
  client.classifyRuns.retrieve(idOf(classifyRun)),
);
await step("classifyRuns.cancel", "ClassifyRun", () =>
  client.classifyRuns.cancel(idOf(classifyRun)),
);
const classified = await step("classify", "ClassifyRun", () =>
  client.classify({ config: CLASSIFY, file: FILE }),
);
await step("classifyRuns.list", "ClassifyRunsListResponse", () => client.classifyRuns.list());
const classifyBatch = await step("classifyRuns.createBatch", "BatchRun", () =>
  client.classifyRuns.createBatch({ classifier: { id: cl }, inputs: [{ file: FILE }] }),
);
await step("classifyRuns.list (batchId)", "ClassifyRunsListResponse", () =>
  client.classifyRuns.list({ batchId: idOf(classifyBatch) }),
);
await step("classifyRuns.delete", "ClassifyRunsDeleteResponse", () =>
  client.classifyRuns.delete(idOf(classified)),
);

// --- splitters, versions, split runs --------------------------------------------------------

const splitter = await step("splitters.create", "Splitter", () =>
  client.splitters.create({ name: "Packs", config: SPLIT }),
);
const sp = idOf(splitter);
await step("splitters.retrieve", "Splitter", () => client.splitters.retrieve(sp));
await step("splitters.update", "Splitter", () => client.splitters.update(sp, { name: "Packets" }));
await step("splitters.list", "SplittersListResponse", () => client.splitters.list());
const spVersion = await step("splitterVersions.create", "SplitterVersion", () =>
  client.splitterVersions.create(sp, { releaseType: "minor" }),
);
await step("splitterVersions.retrieve", "SplitterVersion", () =>
  client.splitterVersions.retrieve(sp, idOf(spVersion)),
);
await step("splitterVersions.list", "SplitterVersionsListResponse", () =>
  client.splitterVersions.list(sp),
);
const splitRun = await step("splitRuns.create", "SplitRun", () =>
  client.splitRuns.create({ splitter: { id: sp }, file: PDF }),
);
await step("splitRuns.retrieve", "SplitRun", () => client.splitRuns.retrieve(idOf(splitRun)));
await step("splitRuns.cancel", "SplitRun", () => client.splitRuns.cancel(idOf(splitRun)));
const split = await step("split", "SplitRun", () => client.split({ config: SPLIT, file: PDF }));
await step("splitRuns.list", "SplitRunsListResponse", () => client.splitRuns.list());
const splitBatch = await step("splitRuns.createBatch", "BatchRun", () =>
  client.splitRuns.createBatch({ splitter: { id: sp }, inputs: [{ file: PDF }, { file: PDF }] }),
);
await step("splitRuns.list (batchId)", "SplitRunsListResponse", () =>
  client.splitRuns.list({ batchId: idOf(splitBatch) }),
);
await step("splitRuns.delete", "SplitRunsDeleteResponse", () =>
  client.splitRuns.delete(idOf(split)),
);

// --- parse runs -------------------------------------------------------------------------------

const parsed = await step("parse", "ParseRun", () => client.parse({ file: PDF }));
const parseRun = await step("parseRuns.create", "ParseRun", () =>
  client.parseRuns.create({ file: PDF }),
);
await step("parseRuns.retrieve", "ParseRun", () => client.parseRuns.retrieve(idOf(parseRun)));
await step(
  "parseRuns.cancel (refused)",
  "ApiError",
  () => client.parseRuns.cancel(idOf(parseRun)),
  400,
);
await step("parseRuns.list", "ParseRunsListResponse", () => client.parseRuns.list());
const parseBatch = await step("parseRuns.createBatch", "BatchRun", () =>
  client.parseRuns.createBatch({ inputs: [{ file: PDF }] }),
);
await step("parseRuns.list (batchId)", "ParseRunsListResponse", () =>
  client.parseRuns.list({ batchId: idOf(parseBatch) }),
);
await step("parseRuns.delete", "ParseRunsDeleteResponse", () =>
  client.parseRuns.delete(idOf(parsed)),
);

// --- workflows, versions, workflow runs -------------------------------------------------------

const workflow = await step("workflows.create", "Workflow", () =>
  client.workflows.create({ name: "Intake" }),
);
const wf = idOf(workflow);
await step("workflows.retrieve", "Workflow", () => client.workflows.retrieve(wf));
await step("workflows.update", "Workflow", () => client.workflows.update(wf, { name: "Intake 2" }));
await step("workflows.list", "WorkflowsListResponse", () => client.workflows.list());
const wfVersion = await step("workflowVersions.create", "WorkflowVersion", () =>
  client.workflowVersions.create(wf, { name: "v1" }),
);
await step("workflowVersions.retrieve", "WorkflowVersion", () =>
  client.workflowVersions.retrieve(wf, idOf(wfVersion)),
);
await step("workflowVersions.list", "WorkflowVersionsListResponse", () =>
  client.workflowVersions.list(wf),
);
await step("webhookSubscriptions.create (workflow)", "WebhookSubscription", () =>
  client.webhookSubscriptions.create({
    webhookEndpointId: endpointId,
    resourceType: "workflow",
    resourceId: wf,
    enabledEvents: ["workflow_run.cancelled"],
  }),
);
const workflowRun = await step("workflowRuns.create", "WorkflowRun", () =>
  client.workflowRuns.create({ workflow: { id: wf }, file: FILE }),
);
const wr = idOf(workflowRun);
await step("workflowRuns.retrieve", "WorkflowRun", () => client.workflowRuns.retrieve(wr));
await step("workflowRuns.update", "WorkflowRun", () =>
  client.workflowRuns.update(wr, { name: "renamed", metadata: { team: "ops" } }),
);
await step("workflowRuns.cancel", "WorkflowRun", () => client.workflowRuns.cancel(wr));
await step("workflowRuns.list", "WorkflowRunsListResponse", () => client.workflowRuns.list());
const workflowBatch = await step("workflowRuns.createBatch", "WorkflowRunsCreateBatchResponse", () =>
  client.workflowRuns.createBatch({ workflow: { id: wf }, inputs: [{ file: FILE }, { file: PDF }] }),
);
await step("workflowRuns.list (batchId)", "WorkflowRunsListResponse", () =>
  client.workflowRuns.list({ batchId: workflowBatch?.batchId ?? "missing" }),
);
const doomedRun = await step("workflowRuns.create (to delete)", "WorkflowRun", () =>
  client.workflowRuns.create({ workflow: { id: wf }, file: PDF }),
);
await step(
  "workflowRuns.delete (processing)",
  "ApiError",
  () => client.workflowRuns.delete(idOf(doomedRun)),
  400,
);

// --- edit, edit templates, edit schemas, form detection --------------------------------------

const edited = await step("edit", "EditRun", () => client.edit({ file: PDF }));
const editRun = await step("editRuns.create", "EditRun", () => client.editRuns.create({ file: PDF }));
await step("editRuns.retrieve", "EditRun", () => client.editRuns.retrieve(idOf(editRun)));
await step("editRuns.delete", "EditRunsDeleteResponse", () => client.editRuns.delete(idOf(edited)));
await step("editTemplates.retrieve", "EditTemplate", () =>
  client.editTemplates.retrieve(templateId),
);
await step(
  "editTemplates.retrieve (missing)",
  "ApiError",
  () => client.editTemplates.retrieve("edt_missing"),
  404,
);
await step("editSchemas.generate", "EditSchemaGenerationResponse", () =>
  client.editSchemas.generate({ file: PDF }),
);
const detected = await step("detectForm", "FormDetectionRun", () =>
  client.detectForm({ file: PDF }),
);
const formRun = await step("formDetectionRuns.create", "FormDetectionRun", () =>
  client.formDetectionRuns.create({ file: PDF }),
);
await step("formDetectionRuns.retrieve", "FormDetectionRun", () =>
  client.formDetectionRuns.retrieve(idOf(formRun)),
);

// --- legacy processors, versions, processor runs --------------------------------------------

const processor = await step("processor.create", "ProcessorCreateResponse", () =>
  client.processor.create({ name: "Legacy", type: "EXTRACT" }),
);
const dp = processor?.processor?.id ?? "missing";
await step("processor.update", "ProcessorUpdateResponse", () =>
  client.processor.update(dp, { name: "Legacy 2" }),
);
await step("processor.list", "LegacyListProcessorsResponse", () => client.processor.list());
const dpVersion = await step("processorVersion.create", "ProcessorVersionCreateResponse", () =>
  client.processorVersion.create(dp, { releaseType: "major" }),
);
await step("processorVersion.get", "ProcessorVersionGetResponse", () =>
  client.processorVersion.get(dp, dpVersion?.processorVersion?.id ?? "missing"),
);
await step("processorVersion.list", "ProcessorVersionListResponse", () =>
  client.processorVersion.list(dp),
);
const legacyRun = await step("processorRun.create", "ProcessorRunCreateResponse", () =>
  client.processorRun.create({ processorId: dp, rawText: TEXT }),
);
const lr = legacyRun?.processorRun?.id ?? "missing";
await step("processorRun.get", "ProcessorRunGetResponse", () => client.processorRun.get(lr));
await step("processorRun.list", "ProcessorRunListResponse", () => client.processorRun.list());
await step("processorRun.cancel", "ProcessorRunCancelResponse", () =>
  client.processorRun.cancel(lr),
);
await step("processorRun.delete", "ProcessorRunDeleteResponse", () =>
  client.processorRun.delete(lr),
);

// --- evaluation sets, items, runs -------------------------------------------------------------

const evaluation = await step("evaluationSets.create", "EvaluationSet", () =>
  client.evaluationSets.create({ name: "Golden", entityId: ex }),
);
const es = idOf(evaluation);
await step("evaluationSets.retrieve", "EvaluationSet", () => client.evaluationSets.retrieve(es));
await step("evaluationSets.list", "EvaluationSetsListResponse", () => client.evaluationSets.list());
const items = await step("evaluationSetItems.create", "EvaluationSetItemsCreateResponse", () =>
  client.evaluationSetItems.create(es, {
    items: [{ fileId: "file_1", expectedOutput: { value: { invoice_number: "INV-7" } } }],
  }),
);
const item = items?.evaluationSetItems?.[0]?.id ?? "missing";
await step("evaluationSetItems.retrieve", "EvaluationSetItem", () =>
  client.evaluationSetItems.retrieve(es, item),
);
await step("evaluationSetItems.list", "EvaluationSetItemsListResponse", () =>
  client.evaluationSetItems.list(es),
);
await step("evaluationSetItems.update", "EvaluationSetItem", () =>
  client.evaluationSetItems.update(es, item, { expectedOutput: { value: { total: 1 } } }),
);
await step("evaluationSetItems.delete", "EvaluationSetItemsDeleteResponse", () =>
  client.evaluationSetItems.delete(es, item),
);
const evaluationRun = await step("evaluationSetRuns.create", "EvaluationSetRun", () =>
  client.evaluationSetRuns.create({ evaluationSetId: es }),
);
await step("evaluationSetRuns.retrieve", "EvaluationSetRun", () =>
  client.evaluationSetRuns.retrieve(idOf(evaluationRun)),
);

// --- files -------------------------------------------------------------------------------------

const upload = new Blob([TEXT], { type: "text/plain" });
const uploaded = await step("files.upload", "File", () =>
  client.files.upload(new File([upload], "invoice.txt", { type: "text/plain" }), {}),
);
const fileId = idOf(uploaded);
await step("files.retrieve", "File", () => client.files.retrieve(fileId));
await step("files.list", "FilesListResponse", () => client.files.list());
const extractedUpload = await step("extract (uploaded file)", "ExtractRun", () =>
  client.extract({ config: { schema: SCHEMA }, file: { id: fileId } }),
);
await step("files.delete", "FilesDeleteResponse", () => client.files.delete(fileId));

// --- errors: authentication, workspaces, validation -----------------------------------------

await step("extractRuns.list (wrong key)", "ApiError", () => wrongKey.extractRuns.list(), 401);
await step(
  "extractors.retrieve (other workspace)",
  "ApiError",
  () => other.extractors.retrieve(ex),
  404,
);
await step("extractRuns.list (other workspace)", "ExtractRunsListResponse", () =>
  other.extractRuns.list(),
);
await step(
  "extractRuns.create (no file)",
  "ApiError",
  () => client.extractRuns.create({ extractor: { id: ex } }),
  400,
);
await step(
  "workflowRuns.createBatch (no inputs)",
  "ApiError",
  () => client.workflowRuns.createBatch({ workflow: { id: wf }, inputs: [] }),
  400,
);

// --- webhook deliveries: wait (bounded) for the events the calls above caused ----------------

// Every event the calls above cause, as "type id": the registered endpoint lists the
// `.processed` events and `extractor.created`; its subscription to the workflow adds
// `workflow_run.cancelled`. Nothing else is enabled, so nothing else can arrive later.
const WANTED = [
  ["extractor.created", ex],
  ["extract_run.processed", idOf(extracted)],
  ["extract_run.processed", idOf(extractedUpload)],
  ["classify_run.processed", idOf(classified)],
  ["split_run.processed", idOf(split)],
  ["parse_run.processed", idOf(parsed)],
  ["edit_run.processed", idOf(edited)],
  ["form_detection_run.processed", idOf(detected)],
  ["workflow_run.cancelled", wr],
].map(([type, id]) => `${type} ${id}`);
const seen = () =>
  new Set(
    received.map(({ body }) => {
      const event = JSON.parse(body);
      return `${event.eventType} ${event.payload?.id}`;
    }),
  );
const deadline = Date.now() + 30_000;
while (Date.now() < deadline && !WANTED.every((key) => seen().has(key))) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
receiver.close();

const secret = endpoint?.signingSecret ?? "";
const webhooks = received.map(({ path, body, headers }) => {
  let verified = false;
  let event = null;
  let problem = null;
  try {
    event = client.webhooks.verifyAndParse(body, headers, secret);
    verified = true;
  } catch (error) {
    problem = String(error?.message);
    event = JSON.parse(body);
  }
  return {
    path,
    verified,
    problem,
    eventId: event.eventId,
    eventType: event.eventType,
    payload: event.payload,
    apiVersion: headers["x-extend-api-version"] ?? null,
  };
});

process.stdout.write(`${JSON.stringify({ sdkVersion: SDK_VERSION, steps, webhooks })}\n`);
