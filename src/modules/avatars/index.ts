// Users' pictures: one of the user's photo uploads, named as their avatar (users own the reference,
// uploads own the file; this module, which neither depends on, joins them).
import { createRouter } from "../../lib/create-router";
import * as h from "./avatars.handlers";
import * as r from "./avatars.routes";

export const avatarsModule = createRouter()
  .openapi(r.setOwnAvatar, h.setOwnAvatar)
  .openapi(r.removeOwnAvatar, h.removeOwnAvatar)
  .openapi(r.getUserAvatar, h.getUserAvatar);
