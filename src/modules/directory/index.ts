// Lookups other services make (the replaced system's "internal" endpoints), now authenticated:
// a user, a batch of users, a company's people, an employee with company and working profile.
import { createRouter } from "../../lib/create-router";
import * as h from "./directory.handlers";
import * as r from "./directory.routes";

export const directoryModule = createRouter()
  .openapi(r.lookupUser, h.lookupUser)
  .openapi(r.lookupUsers, h.lookupUsers)
  .openapi(r.lookupCompanyUsers, h.lookupCompanyUsers)
  .openapi(r.lookupEmployee, h.lookupEmployee);
