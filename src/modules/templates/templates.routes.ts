import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  TemplateCreateSchema,
  TemplateIdParam,
  TemplateListQuery,
  TemplatePageSchema,
  TemplateSchema,
  TemplateUpdateSchema,
} from "./templates.schemas";

const tags = ["job-templates"];

export const listJobTemplates = createRoute({
  method: "get",
  path: "/v1/job-templates",
  tags,
  operationId: "listJobTemplates",
  summary: "Job templates, by name",
  ...requires("templates:read"),
  request: { query: TemplateListQuery },
  responses: { 200: jsonResponse(TemplatePageSchema, "A page of job templates"), ...errorResponses(400, 401, 403) },
});

export const createJobTemplate = createRoute({
  method: "post",
  path: "/v1/job-templates",
  tags,
  operationId: "createJobTemplate",
  summary: "Create a job template: kind, estimate, skills, parts expected, checklist",
  description:
    "A ticket raised with `template_id` takes the template's estimate, skills and service category where the request leaves them out, and a copy of its checklist; a required checklist item left open refuses the ticket's completion.",
  ...requires("templates:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(TemplateCreateSchema) },
  responses: { 201: jsonResponse(TemplateSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const getJobTemplate = createRoute({
  method: "get",
  path: "/v1/job-templates/{id}",
  tags,
  operationId: "getJobTemplate",
  summary: "A job template",
  ...requires("templates:read"),
  request: { params: TemplateIdParam },
  responses: { 200: jsonResponse(TemplateSchema, "The job template"), ...errorResponses(400, 401, 403, 404) },
});

export const updateJobTemplate = createRoute({
  method: "patch",
  path: "/v1/job-templates/{id}",
  tags,
  operationId: "updateJobTemplate",
  summary: "Change a job template (tickets already raised keep their checklist); active: false retires it",
  ...requires("templates:manage"),
  request: { params: TemplateIdParam, body: jsonBody(TemplateUpdateSchema) },
  responses: { 200: jsonResponse(TemplateSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});
