package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/server/perm"
)

// registerCustomerRoutes registers /v1/customers/... and /v1/tree/...; each is documented in
// openapi/customers.json.
func (s *Server) registerCustomerRoutes() {
	s.handle(fiber.MethodPost, "/v1/customers", perm.CustomerWrite, s.postCustomer)
	s.handle(fiber.MethodGet, "/v1/customers", perm.CustomerRead, s.getCustomers)
	s.handle(fiber.MethodGet, "/v1/customers/:number", perm.CustomerRead, s.getCustomer)
	s.handle(fiber.MethodPatch, "/v1/customers/:number", perm.CustomerWrite, s.patchCustomer)
	s.handle(fiber.MethodPost, "/v1/customers/:number/close", perm.CustomerWrite, s.postCustomerClose)
	s.handle(fiber.MethodGet, "/v1/customers/:number/contacts", perm.CustomerRead, s.getCustomerContacts)
	s.handle(fiber.MethodPost, "/v1/customers/:number/contacts", perm.CustomerWrite, s.postCustomerContact)
	s.handle(fiber.MethodGet, "/v1/customers/:number/history", perm.CustomerRead, s.getCustomerHistory)
	s.handle(fiber.MethodGet, "/v1/customers/:number/path", perm.CustomerRead, s.getCustomerPath)

	s.handle(fiber.MethodPost, "/v1/tree/nodes", perm.TreeWrite, s.postTreeNode)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id", perm.TreeRead, s.getTreeNode)
	s.handle(fiber.MethodPatch, "/v1/tree/nodes/:id", perm.TreeWrite, s.patchTreeNode)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/children", perm.TreeRead, s.getTreeChildren)
	s.handle(fiber.MethodPost, "/v1/tree/nodes/:id/move", perm.TreeWrite, s.postTreeMove)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/exposure", perm.TreeRead, s.getTreeExposure)
	s.handle(fiber.MethodGet, "/v1/tree/nodes/:id/search", perm.TreeRead, s.getTreeSearch)
}
