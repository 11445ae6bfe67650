// Contractor companies (IAM-13); users belong to at most one (users.company_id).
import { createRouter } from "../../lib/create-router";
import * as h from "./companies.handlers";
import * as r from "./companies.routes";

export const companiesModule = createRouter()
  .openapi(r.listCompanies, h.listCompanies)
  .openapi(r.createCompany, h.createCompany)
  .openapi(r.getCompany, h.getCompany)
  .openapi(r.updateCompany, h.updateCompany)
  .openapi(r.deleteCompany, h.deleteCompany);

export { companyReads, findCompany } from "./companies.service";
