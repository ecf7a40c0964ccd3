package manifest

import "testing"

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{"custos.yaml", 12, 7, "sites[0].id: missing"}, "custos.yaml:12:7: sites[0].id: missing"},
		{Problem{"custos.yaml", 3, 0, "YAML syntax: oops"}, "custos.yaml:3: YAML syntax: oops"},
		{Problem{"custos.yaml", 0, 0, "the manifest is empty"}, "custos.yaml: the manifest is empty"},
		{Problem{"", 4, 2, "x"}, "4:2: x"},
		{Problem{"", 0, 0, "x"}, "x"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestProblemsErrorSorted(t *testing.T) {
	ps := []Problem{
		{"a.yaml", 9, 1, "third"},
		{"a.yaml", 2, 5, "second"},
		{"a.yaml", 0, 0, "first"},
		{"a.yaml", 9, 1, "fourth"},
	}
	sortProblems(ps)
	e := &ProblemsError{ps}
	want := "a.yaml: first\na.yaml:2:5: second\na.yaml:9:1: third\na.yaml:9:1: fourth"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}
