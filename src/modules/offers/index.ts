// The catalogue of offers (packages) a customer's service refers to: the telecom platform's offer lookup.
import { createRouter } from "../../lib/create-router";
import * as h from "./offers.handlers";
import * as r from "./offers.routes";

export const offersModule = createRouter()
  .openapi(r.listOffers, h.listOffers)
  .openapi(r.createOffer, h.createOffer)
  .openapi(r.getOffer, h.getOffer)
  .openapi(r.updateOffer, h.updateOffer);

export { offerForCustomer, offersByReference } from "./offers.service";
