/**
 * Runs an API call when the component mounts (and on `reload`), dropping answers that
 * arrive after the component went away or a newer load started: a response to a request
 * made under the previous workspace must never land in the new one.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiResult } from "../api";

export function useLoad<T>(load: () => Promise<ApiResult<T>>): { result: ApiResult<T> | null; reload: () => Promise<void> } {
  const [result, setResult] = useState<ApiResult<T> | null>(null);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    const next = await loadRef.current();
    if (ticket === latest.current) setResult(next);
  }, []);

  useEffect(() => {
    void reload();
    return () => {
      latest.current++;
    };
  }, [reload]);

  return { result, reload };
}
