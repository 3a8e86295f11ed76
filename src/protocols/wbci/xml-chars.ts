/** The character codes the XML scanners (xml-guard.ts, xml-tree.ts) compare with `charCodeAt`. */
export const LT = 60; // <
export const GT = 62; // >
export const SLASH = 47; // /
export const BANG = 33; // !
export const QMARK = 63; // ?
export const EQ = 61; // =
export const DQUOTE = 34; // "
export const SQUOTE = 39; // '

/** XML white space: space, tab, LF, CR. */
export const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
