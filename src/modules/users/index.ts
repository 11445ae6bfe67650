// Accounts: your own profile, user administration and registration approvals.
// Leaves first: other modules read these at load time, so they must not wait on a cycle.
export {
  ADDRESS,
  EMAIL,
  NAME,
  PASSWORD,
  PHONE,
  REGION,
  USERNAME,
  UserSchema,
  UserIdParam,
  AvatarSetSchema,
} from "./users.schemas";

import { createRouter } from "../../lib/create-router";
import * as h from "./users.handlers";
import * as r from "./users.routes";

export const usersModule = createRouter()
  .openapi(r.getMe, h.getMe)
  .openapi(r.updateMe, h.updateMe)
  .openapi(r.verifyContactChange, h.verifyContactChange)
  .openapi(r.undoContactChange, h.undoContactChange)
  .openapi(r.setPushToken, h.setPushToken)
  .openapi(r.listUsers, h.listUsers)
  .openapi(r.listPendingUsers, h.listPendingUsers)
  .openapi(r.createUser, h.createUser)
  .openapi(r.getUser, h.getUser)
  .openapi(r.updateUser, h.updateUser)
  .openapi(r.deleteUser, h.deleteUser)
  .openapi(r.activateUser, h.activateUser)
  .openapi(r.deactivateUser, h.deactivateUser)
  .openapi(r.approveUser, h.approveUser)
  .openapi(r.rejectUser, h.rejectUser)
  .openapi(r.setUserPassword, h.setUserPassword);
export {
  assertMayChangeUser,
  avatarOf,
  avatarStatement,
  contactsOf,
  findUser,
  insertUser,
  toUserResponse,
  usersByIds,
  usersOfCompany,
  usersOfCompanyReads,
  userReads,
  type Contact,
  type UserRow,
} from "./users.service";
export {
  detachCompanyMembersStatement,
  recordLoginStatement,
  setCompanyStatement,
  setPasswordHashStatement,
  setPushTokenStatement,
  setTwoFactorStatement,
} from "./account-writes";
export { userErasure } from "./erasure";
