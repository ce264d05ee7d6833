-- Reserved for the officers tables; filled in by the change that adds them.
SELECT 1;
