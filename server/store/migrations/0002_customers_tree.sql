-- Reserved for the customers_tree tables; filled in by the change that adds them.
SELECT 1;
