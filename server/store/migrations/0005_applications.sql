-- Reserved for the applications tables; filled in by the change that adds them.
SELECT 1;
