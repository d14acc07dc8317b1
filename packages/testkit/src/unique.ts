let sequence = 0;

/** An email address no other test (in this process) uses; tag is its local part's start. */
export const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${sequence++}@example.com`;
