import { Window } from 'happy-dom';

/** A page loaded in happy-dom with its script run: the document, and what went wrong while it ran. */
export interface LoadedPage {
  window: Window;
  document: Window['document'];
  /** uncaught errors and console.error calls */
  errors: string[];
  /** whether anything called alert() */
  alerted: () => boolean;
  close: () => Promise<void>;
}

/** Loads an HTML page as a browser would from disk, runs its inline script, waits until it is done. */
export async function loadPage(html: string): Promise<LoadedPage> {
  const errors: string[] = [];
  const console = {
    ...globalThis.console,
    error: (...args: unknown[]) => errors.push(args.map(String).join(' ')),
    warn: () => undefined,
    log: () => undefined,
  };
  const window = new Window({
    url: 'file:///tmp/dbtool-plan.html',
    console: console as Console,
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true },
  });
  let alerted = false;
  (window as unknown as { alert: () => void }).alert = () => {
    alerted = true;
  };
  window.addEventListener('error', (event) => errors.push(String((event as unknown as { error?: unknown }).error ?? event.type)));
  window.document.write(html);
  await window.happyDOM.waitUntilComplete();
  return { window, document: window.document, errors, alerted: () => alerted, close: () => window.happyDOM.close() };
}
