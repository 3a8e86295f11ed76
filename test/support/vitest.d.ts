// Values handed from test/support/global-setup.ts to the tests (vitest `provide` / `inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URLs of the throwaway PostgreSQL clusters, one per test worker; empty when PostgreSQL is not available. */
    pgAdminUrls: string[];
  }
}

export {};
