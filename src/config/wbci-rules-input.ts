/** Partial WBCI deadline counts as written in the config file (merged over the defaults). */
export type WbciRulesInput = Partial<Record<string, number | boolean>>;
