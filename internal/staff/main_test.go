package staff

import (
	"os"
	"testing"
)

// cheapParams make argon2id fast in tests; TestDefaultParams checks the
// real ones.
var cheapParams = argonParams{memory: 64, time: 1, threads: 1}

func TestMain(m *testing.M) {
	params = cheapParams
	os.Exit(m.Run())
}
