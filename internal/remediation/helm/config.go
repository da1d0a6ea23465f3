package helm

import (
	"fmt"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// clientGetter is the genericclioptions.RESTClientGetter Helm's kube client asks for clients:
// the engine's rest.Config, its discovery (cached for the strategy's life) and one namespace, in
// place of a kubeconfig file.
type clientGetter struct {
	config    *rest.Config
	discovery discovery.CachedDiscoveryInterface
	namespace string
}

func (g clientGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.config), nil }

func (g clientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.discovery, nil
}

func (g clientGetter) ToRESTMapper() (meta.RESTMapper, error) {
	return restmapper.NewDeferredDiscoveryRESTMapper(g.discovery), nil
}

func (g clientGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return namespacedConfig{
		empty:  clientcmd.NewDefaultClientConfig(clientcmdapi.Config{}, &clientcmd.ConfigOverrides{}),
		getter: g,
	}
}

// namespacedConfig answers the kubeconfig questions Helm's kube client asks with the getter's
// configuration and namespace; it has no kubeconfig file.
type namespacedConfig struct {
	empty  clientcmd.ClientConfig
	getter clientGetter
}

func (c namespacedConfig) RawConfig() (clientcmdapi.Config, error) { return c.empty.RawConfig() }

func (c namespacedConfig) ConfigAccess() clientcmd.ConfigAccess { return c.empty.ConfigAccess() }

func (c namespacedConfig) ClientConfig() (*rest.Config, error) { return c.getter.ToRESTConfig() }

func (c namespacedConfig) Namespace() (string, bool, error) { return c.getter.namespace, true, nil }

// configuration is a Helm action configuration for releases in namespace with the Secret
// storage driver, logging to the strategy's logger.
func (s *Strategy) configuration(namespace string) (*action.Configuration, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(s.releases.log))
	g := clientGetter{config: s.config, discovery: s.discovery, namespace: namespace}
	if err := cfg.Init(g, namespace, "secret"); err != nil {
		return nil, fmt.Errorf("helm configuration for %s: %w", namespace, err)
	}
	if kc, ok := cfg.KubeClient.(*kube.Client); ok {
		kc.Namespace = namespace
	}
	return cfg, nil
}
