/** Hash routes (`#/documents/42`): any static host serves them, no server rewrite needed. */
import { useEffect, useState } from "react";

export function currentPath(): string {
  return window.location.hash.replace(/^#/, "") || "/";
}

export function navigate(path: string): void {
  window.location.hash = path;
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return path;
}
