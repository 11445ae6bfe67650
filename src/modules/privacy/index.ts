// Privacy (DATA-3): erasing a customer across every module's tables, in one batch.
import { createRouter } from "../../lib/create-router";
import * as h from "./privacy.handlers";
import * as r from "./privacy.routes";

export const privacyModule = createRouter().openapi(r.eraseCustomer, h.eraseCustomer);
