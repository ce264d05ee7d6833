-- Reserved for the credit tables; filled in by the change that adds them.
SELECT 1;
