import { registerAccessEnds, registerCallerDirectory } from "./lib/identity";
import { API_KEY_PREFIX, authenticateApiKey, exchangedKeyCaller } from "./modules/api-keys";
import { accessEnds, sessionCaller } from "./modules/auth";

/**
 * Who is calling: the auth middleware (below every module) asks the modules that own the identity
 * tables through this directory, registered once at the entry point.
 */
registerCallerDirectory({
  apiKeyPrefix: API_KEY_PREFIX,
  byApiKey: authenticateApiKey,
  byExchangedKey: exchangedKeyCaller,
  bySession: sessionCaller,
});

registerAccessEnds(accessEnds);
