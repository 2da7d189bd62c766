/** /v1/admin/models/{name}/audit: the model's audit log, newest first, a page at a time. */
import { z } from "@hono/zod-openapi";
import { AUDIT_ID, listAudit } from "../../registry/audit.js";
import { keys } from "../../registry/keys.js";
import { AuditRecord } from "../../registry/state.js";
import { resourceApp } from "../context.js";
import { ApiError } from "../problem.js";
import { wholeNumber } from "../schemas.js";
import { readRoute } from "./action.js";

const AuditQuery = z.object({
  limit: wholeNumber({ min: 1, max: 100 }).default(20),
  cursor: z.string().regex(AUDIT_ID, "a cursor from a previous page").optional(),
});

const AuditPage = z
  .object({
    model: z.string(),
    records: z.array(AuditRecord),
    /** Pass back as `cursor` for the next (older) page; null on the last page. */
    cursor: z.string().nullable(),
  })
  .openapi("AuditPage");

const route = readRoute({
  path: "/models/{name}/audit",
  operationId: "listAudit",
  summary: "The model's audit log, newest first",
  query: AuditQuery,
  description: "One page of records; pass `cursor` back for older ones",
  result: AuditPage,
  notFound: "No such model",
});

export const audit = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  if (!(await c.env.MODELS.head(keys.state(name)))) throw ApiError.notFound(`no model named ${name}`);
  const page = await listAudit(c.env.MODELS, name, { limit: query.limit, cursor: query.cursor });
  return c.json({ model: name, ...page }, 200);
});
