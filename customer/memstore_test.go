package customer_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

func TestMemStoreConformance(t *testing.T) {
	customertest.Run(t, func(t *testing.T) customer.Store {
		s, err := customer.NewMemStore(customer.Config{Now: func() time.Time {
			return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		}})
		require.NoError(t, err)
		return s
	})
}
