// Placeholder: replaced by the PostgreSQL harness (starts a throwaway cluster for the suite).
export default async function setup(): Promise<void> {}
