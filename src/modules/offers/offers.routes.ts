import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  OfferCreateSchema,
  OfferIdParam,
  OfferListQuery,
  OfferPageSchema,
  OfferSchema,
  OfferUpdateSchema,
} from "./offers.schemas";

const tags = ["offers"];

export const listOffers = createRoute({
  method: "get",
  path: "/v1/offers",
  tags,
  operationId: "listOffers",
  summary: "The catalogue of offers (packages) customers subscribe to",
  ...requires("offers:read"),
  request: { query: OfferListQuery },
  responses: { 200: jsonResponse(OfferPageSchema, "A page of offers, by name"), ...errorResponses(400, 401, 403) },
});

export const createOffer = createRoute({
  method: "post",
  path: "/v1/offers",
  tags,
  operationId: "createOffer",
  summary: "Add an offer to the catalogue",
  ...requires("offers:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(OfferCreateSchema) },
  responses: { 201: jsonResponse(OfferSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const getOffer = createRoute({
  method: "get",
  path: "/v1/offers/{id}",
  tags,
  operationId: "getOffer",
  summary: "Look an offer up by id or code",
  ...requires("offers:read"),
  request: { params: OfferIdParam },
  responses: { 200: jsonResponse(OfferSchema, "The offer"), ...errorResponses(400, 401, 403, 404) },
});

export const updateOffer = createRoute({
  method: "patch",
  path: "/v1/offers/{id}",
  tags,
  operationId: "updateOffer",
  summary: "Change or retire an offer",
  description:
    "Customers who hold an offer keep it when it is retired (`active: false`); a retired offer cannot be given to a customer.",
  ...requires("offers:manage"),
  request: { params: OfferIdParam, body: jsonBody(OfferUpdateSchema) },
  responses: { 200: jsonResponse(OfferSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});
