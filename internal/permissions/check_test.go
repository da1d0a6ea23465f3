package permissions

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

func TestCheckReportsWhatTheIdentityLacks(t *testing.T) {
	admin := kubernetes.NewForConfigOrDie(env.Config)
	userCfg, err := env.AddUser("restricted-engine")
	if err != nil {
		t.Fatal(err)
	}
	user := kubernetes.NewForConfigOrDie(userCfg)
	reqs := Requirements()

	t.Run("an admin lacks nothing", func(t *testing.T) {
		r, err := NewChecker(admin.AuthorizationV1().SelfSubjectAccessReviews(), "self-healing-platform").Check(t.Context(), reqs)
		if err != nil || r.Checked != len(reqs) || len(r.Missing) != 0 {
			t.Errorf("Check(admin) = %+v, %v; want all %d granted", r, err, len(reqs))
		}
	})

	t.Run("an identity without roles lacks everything", func(t *testing.T) {
		r, err := NewChecker(user.AuthorizationV1().SelfSubjectAccessReviews(), "self-healing-platform").Check(t.Context(), reqs)
		if err != nil || len(r.Missing) != len(reqs) {
			t.Errorf("Check(no roles) = %d missing, %v; want %d", len(r.Missing), err, len(reqs))
		}
	})

	t.Run("a Role in the engine namespace grants only there", func(t *testing.T) {
		ns := "self-healing-platform"
		ctx := t.Context()
		if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "leases", Namespace: ns}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}}}}
		if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "leases", Namespace: ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "leases"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "restricted-engine"}}}
		if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		inNS, err := NewChecker(user.AuthorizationV1().SelfSubjectAccessReviews(), ns).Check(ctx, reqs)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inNS.Missing {
			if m.Resource == "leases" {
				t.Errorf("Check() still reports %s %s missing after the Role was bound", m.Verb, m.Resource)
			}
		}
		if len(inNS.Missing) != len(reqs)-3 {
			t.Errorf("Check() = %d missing, want %d", len(inNS.Missing), len(reqs)-3)
		}
		elsewhere, err := NewChecker(user.AuthorizationV1().SelfSubjectAccessReviews(), "other").Check(ctx, reqs)
		if err != nil || len(elsewhere.Missing) != len(reqs) {
			t.Errorf("Check(other namespace) = %d missing, %v; want %d", len(elsewhere.Missing), err, len(reqs))
		}
		if last, lastErr := NewChecker(user.AuthorizationV1().SelfSubjectAccessReviews(), ns).Last(); last != nil || lastErr != nil {
			t.Errorf("Last() before any check = %v %v, want nil nil", last, lastErr)
		}
	})
}
