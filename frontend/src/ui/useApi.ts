/** The API for the signed-in session: the one client, fed by whichever token source is mounted. */
import { useMemo } from "react";
import { apiOf, createApiClient, type Api } from "../api";
import { useAuth } from "../auth/session";
import { config } from "../config";

export const SESSION_ENDED = "Your session has ended. Please sign in again.";

export function useApi(): Api {
  const { getToken, signOut } = useAuth();
  return useMemo(
    () => apiOf(createApiClient({ baseUrl: config.apiUrl, getToken, onSignedOut: () => signOut(SESSION_ENDED) })),
    [getToken, signOut],
  );
}
