package promquery

import "testing"

func TestMatchersEscapeTheirValues(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"a quote and a backslash are escaped", Equal("pod", `a"b\c`), `pod="a\"b\\c"`},
		{"a newline is escaped", Equal("namespace", "a\nb"), `namespace="a\nb"`},
		{"alternatives are literal", AnyOf("pod", []string{"web.1", "a|b"}), `pod=~"web\\.1|a\\|b"`},
		{"a prefix is literal, the pattern is not", Prefixed("pod", "web.v2-", "[a-z]+"), `pod=~"web\\.v2-[a-z]+"`},
		{"a selector joins matchers", Selector(`a="1"`, `b!=""`), `{a="1",b!=""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}
