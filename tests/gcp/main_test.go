package gcp

import (
	"testing"

	_ "github.com/mobile-backend/mobile-backend/stacks/gcp" // the only cloud this binary links
	"github.com/mobile-backend/mobile-backend/tests/suite"
)

func TestMain(m *testing.M) { suite.Main(m) }

// TestShared runs the tests every cloud shares on this cloud's stacks.
func TestShared(t *testing.T) { suite.Run(t) }
