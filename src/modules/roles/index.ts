// Authorization model: permission strings, built-in roles (in code) and custom roles (in D1).
import { createRouter } from "../../lib/create-router";
import * as h from "./roles.handlers";
import * as r from "./roles.routes";

export const rolesModule = createRouter()
  .openapi(r.listPermissions, h.listPermissions)
  .openapi(r.listRoles, h.listRoles)
  .openapi(r.createRole, h.createRole)
  .openapi(r.getRole, h.getRole)
  .openapi(r.updateRole, h.updateRole)
  .openapi(r.deleteRole, h.deleteRole)
  .openapi(r.getRolePool, h.getRolePool);

export { permissionsBeyond, roleExists, rolePermissions } from "./roles.service";
