// Values handed from test/support/global-setup.ts to the tests (vitest `provide` / `inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the throwaway PostgreSQL cluster; null when PostgreSQL is not available. */
    pgAdminUrl: string | null;
  }
}

export {};
