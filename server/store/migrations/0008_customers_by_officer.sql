-- An officer limited to the customers assigned to them (perm.Actor.AssignedOnly) lists,
-- searches and analyses by customers.officer: index it, ordered like the name pages.
CREATE INDEX customers_by_officer ON customers (officer, name_key, ord);
