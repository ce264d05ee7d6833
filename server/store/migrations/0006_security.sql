-- Reserved for the security tables (API keys, audit, idempotency); filled in by the change that adds them.
SELECT 1;
