// Package kubernetes holds the manifests that deploy cssfs as a CSI driver
// (see README.md, "Kubernetes"). No cluster is reachable from the tests, so
// they parse every manifest with the Kubernetes API types, strictly, and
// check what would break a real deployment: the driver's name, its socket
// as the kubelet, the registrar and the driver each see it, the node
// plugin's privileges and mounts, RBAC, image tags, the examples' access
// modes, Secret and parameter keys, and the Dockerfile.
package kubernetes

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"sigs.k8s.io/yaml"
)

// The names every manifest must agree on (shared with the csi package).
const (
	driverName    = "csi.cssfs.dev"
	kubeletDir    = "/var/lib/kubelet"
	pluginDir     = kubeletDir + "/plugins/" + driverName
	hostSocket    = pluginDir + "/csi.sock"
	registryDir   = kubeletDir + "/plugins_registry"
	secretNameKey = "csi.storage.k8s.io/node-publish-secret-name"
	secretNSKey   = "csi.storage.k8s.io/node-publish-secret-namespace"
)

// typeMeta is the head of every document: what to parse the rest as.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// kustomization is the part of kustomize's Kustomization these manifests use;
// parsed strictly like the rest, so a field outside it is an error here.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Resources  []string         `json:"resources"`
	Images     []kustomizeImage `json:"images,omitempty"`
}

type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
}

// kinds maps apiVersion/kind to a new value of its Go type.
var kinds = map[string]func() any{
	"v1/Namespace":                                    func() any { return &corev1.Namespace{} },
	"v1/ServiceAccount":                               func() any { return &corev1.ServiceAccount{} },
	"v1/Secret":                                       func() any { return &corev1.Secret{} },
	"v1/PersistentVolume":                             func() any { return &corev1.PersistentVolume{} },
	"v1/PersistentVolumeClaim":                        func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Pod":                                          func() any { return &corev1.Pod{} },
	"apps/v1/DaemonSet":                               func() any { return &appsv1.DaemonSet{} },
	"apps/v1/Deployment":                              func() any { return &appsv1.Deployment{} },
	"storage.k8s.io/v1/CSIDriver":                     func() any { return &storagev1.CSIDriver{} },
	"storage.k8s.io/v1/StorageClass":                  func() any { return &storagev1.StorageClass{} },
	"rbac.authorization.k8s.io/v1/ClusterRole":        func() any { return &rbacv1.ClusterRole{} },
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": func() any { return &rbacv1.ClusterRoleBinding{} },
	"rbac.authorization.k8s.io/v1/Role":               func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1/RoleBinding":        func() any { return &rbacv1.RoleBinding{} },
	"kustomize.config.k8s.io/v1beta1/Kustomization":   func() any { return &kustomization{} },
}

// doc is one parsed YAML document.
type doc struct {
	file string // relative to this directory
	kind string
	obj  any
}

// docSep splits a file into YAML documents.
var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// parseDocs parses one file's documents; a document of comments alone is skipped.
func parseDocs(file string, data []byte) ([]doc, error) {
	var docs []doc
	for i, part := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(part)) == "" {
			continue
		}
		var tm typeMeta
		if err := yaml.Unmarshal([]byte(part), &tm); err != nil {
			return nil, fmt.Errorf("%s, document %d: %v", file, i+1, err)
		}
		newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
		if !ok {
			return nil, fmt.Errorf("%s, document %d: unknown apiVersion/kind %q", file, i+1, tm.APIVersion+"/"+tm.Kind)
		}
		obj := newObj()
		if err := yaml.UnmarshalStrict([]byte(part), obj); err != nil {
			return nil, fmt.Errorf("%s, document %d (%s): %v", file, i+1, tm.Kind, err)
		}
		docs = append(docs, doc{file: file, kind: tm.Kind, obj: obj})
	}
	return docs, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// manifests is every document of every .yaml file below this directory.
type manifests struct {
	docs []doc
}

func load(t *testing.T) *manifests {
	t.Helper()
	m := &manifests{}
	var files []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := parseDocs(f, data)
		if err != nil {
			t.Fatal(err)
		}
		m.docs = append(m.docs, docs...)
	}
	if len(m.docs) == 0 {
		t.Fatal("no manifests found")
	}
	return m
}

// all returns every object of type T.
func all[T any](m *manifests) []T {
	var out []T
	for _, d := range m.docs {
		if v, ok := d.obj.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// one returns the only object of type T, failing unless there is exactly one.
func one[T any](t *testing.T, m *manifests) T {
	t.Helper()
	objs := all[T](m)
	if len(objs) != 1 {
		var zero T
		t.Fatalf("want exactly one %T, have %d", zero, len(objs))
	}
	return objs[0]
}

// workload is a pod template and where it comes from.
type workload struct {
	name, namespace string
	spec            *corev1.PodSpec
}

func (m *manifests) workloads() []workload {
	var out []workload
	for _, d := range m.docs {
		switch o := d.obj.(type) {
		case *appsv1.DaemonSet:
			out = append(out, workload{"DaemonSet " + o.Name, o.Namespace, &o.Spec.Template.Spec})
		case *appsv1.Deployment:
			out = append(out, workload{"Deployment " + o.Name, o.Namespace, &o.Spec.Template.Spec})
		case *corev1.Pod:
			out = append(out, workload{"Pod " + o.Name, o.Namespace, &o.Spec})
		}
	}
	return out
}

func container(t *testing.T, spec *corev1.PodSpec, name string) *corev1.Container {
	t.Helper()
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	t.Fatalf("no container %q", name)
	return nil
}

// imageContainer returns the only container whose image's repository ends in repo.
func imageContainer(t *testing.T, spec *corev1.PodSpec, repo string) *corev1.Container {
	t.Helper()
	var found *corev1.Container
	for i := range spec.Containers {
		r, _, _ := splitImage(spec.Containers[i].Image)
		if r == repo || strings.HasSuffix(r, "/"+repo) {
			if found != nil {
				t.Fatalf("two containers run %s", repo)
			}
			found = &spec.Containers[i]
		}
	}
	if found == nil {
		t.Fatalf("no container runs %s", repo)
	}
	return found
}

// flag returns the value of --name=VALUE (or --name VALUE) in args.
func flag(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			return args[i+1], true
		}
		if a == "--"+name {
			return "", true
		}
	}
	return "", false
}

// resolve maps a path seen inside a container to the pod volume holding it
// and the path relative to that volume's root.
func resolve(t *testing.T, spec *corev1.PodSpec, c *corev1.Container, p string) (vol *corev1.Volume, rel string) {
	t.Helper()
	best := ""
	var bestVM *corev1.VolumeMount
	for i, vm := range c.VolumeMounts {
		if (p == vm.MountPath || strings.HasPrefix(p, strings.TrimSuffix(vm.MountPath, "/")+"/")) && len(vm.MountPath) > len(best) {
			best, bestVM = vm.MountPath, &c.VolumeMounts[i]
		}
	}
	if bestVM == nil {
		t.Fatalf("container %s: %s is on no volume", c.Name, p)
	}
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == bestVM.Name {
			return &spec.Volumes[i], path.Join(bestVM.SubPath, strings.TrimPrefix(p, best))
		}
	}
	t.Fatalf("container %s mounts volume %q, which the pod does not have", c.Name, bestVM.Name)
	return nil, ""
}

// hostPathOf is the host path of p inside container c, which must be on a hostPath volume.
func hostPathOf(t *testing.T, spec *corev1.PodSpec, c *corev1.Container, p string) string {
	t.Helper()
	vol, rel := resolve(t, spec, c, p)
	if vol.HostPath == nil {
		t.Fatalf("container %s: %s is on volume %s, not a hostPath", c.Name, p, vol.Name)
	}
	return path.Join(vol.HostPath.Path, rel)
}

func socketPath(t *testing.T, endpoint string) string {
	t.Helper()
	p, ok := strings.CutPrefix(endpoint, "unix://")
	if !ok || !path.IsAbs(p) {
		t.Fatalf("endpoint %q is not unix:///ABSOLUTE/PATH", endpoint)
	}
	return p
}

func TestManifestsParse(t *testing.T) {
	m := load(t)
	seen := map[string]string{}
	for _, d := range m.docs {
		type named interface {
			GetName() string
			GetNamespace() string
		}
		n, ok := d.obj.(named)
		if !ok {
			continue // the Kustomization
		}
		if n.GetName() == "" {
			t.Errorf("%s: a %s without a name", d.file, d.kind)
		}
		id := d.kind + " " + n.GetNamespace() + "/" + n.GetName()
		if prev, dup := seen[id]; dup {
			t.Errorf("%s: %s is also in %s", d.file, id, prev)
		}
		seen[id] = d.file
	}
	// The parser itself must refuse what the API server would.
	for _, bad := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containerz: []\n",
		"apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata:\n  name: x\nspec:\n  attachRequired: no-thanks\n",
		"apiVersion: v1\nkind: Widget\nmetadata:\n  name: x\n",
	} {
		if _, err := parseDocs("bad.yaml", []byte(bad)); err == nil {
			t.Errorf("parsed without error:\n%s", bad)
		}
	}
}

// Namespaced objects name an existing namespace, and the namespace admits
// the privileged node plugin.
func TestNamespaces(t *testing.T) {
	m := load(t)
	ns := one[*corev1.Namespace](t, m)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("namespace %s: Pod Security must enforce privileged (the node plugin is privileged)", ns.Name)
	}
	for _, w := range m.workloads() {
		if strings.HasPrefix(w.name, "Pod ") {
			continue // the example
		}
		if w.namespace != ns.Name {
			t.Errorf("%s is in namespace %q, not %q", w.name, w.namespace, ns.Name)
		}
	}
}

func TestCSIDriver(t *testing.T) {
	m := load(t)
	d := one[*storagev1.CSIDriver](t, m)
	if d.Name != driverName {
		t.Errorf("CSIDriver is %q, want %q", d.Name, driverName)
	}
	if d.Spec.AttachRequired == nil || *d.Spec.AttachRequired {
		t.Error("attachRequired must be false: there is nothing to attach")
	}
	if p := d.Spec.FSGroupPolicy; p == nil {
		t.Error("fsGroupPolicy unset (ReadWriteOnceWithFSType), want None or File")
	} else if *p != storagev1.NoneFSGroupPolicy && *p != storagev1.FileFSGroupPolicy {
		t.Errorf("fsGroupPolicy is %s, want None or File", *p)
	}
	if !slices.Equal(d.Spec.VolumeLifecycleModes, []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}) {
		t.Errorf("volumeLifecycleModes %v, want [Persistent]", d.Spec.VolumeLifecycleModes)
	}
}

// The kubelet, the registrar, the liveness probe and the driver must all
// reach the same socket, under the driver's name.
func TestNodeSocket(t *testing.T) {
	m := load(t)
	ds := one[*appsv1.DaemonSet](t, m)
	spec := &ds.Spec.Template.Spec
	driver := imageContainer(t, spec, "cssfs")
	endpoint, ok := flag(driver.Args, "endpoint")
	if !ok {
		t.Fatal("cssfs csi has no --endpoint")
	}
	sock := socketPath(t, endpoint)
	if got := hostPathOf(t, spec, driver, sock); got != hostSocket {
		t.Errorf("the driver listens on %s of the host, the kubelet expects %s", got, hostSocket)
	}

	reg := imageContainer(t, spec, "sig-storage/csi-node-driver-registrar")
	if p, _ := flag(reg.Args, "kubelet-registration-path"); p != hostSocket {
		t.Errorf("registrar --kubelet-registration-path=%q, want %q", p, hostSocket)
	}
	addr, ok := flag(reg.Args, "csi-address")
	if !ok {
		t.Fatal("registrar has no --csi-address")
	}
	if got := hostPathOf(t, spec, reg, addr); got != hostSocket {
		t.Errorf("registrar dials %s of the host, the driver listens on %s", got, hostSocket)
	}
	regDir := "/registration" // the registrar's default
	if p, ok := flag(reg.Args, "plugin-registration-path"); ok {
		regDir = p
	}
	if got := hostPathOf(t, spec, reg, regDir); got != registryDir {
		t.Errorf("registrar registers in %s of the host, the kubelet watches %s", got, registryDir)
	}

	for _, c := range spec.Containers {
		r, _, _ := splitImage(c.Image)
		if !strings.HasSuffix(r, "sig-storage/livenessprobe") {
			continue
		}
		addr, _ := flag(c.Args, "csi-address")
		if got := hostPathOf(t, spec, &c, addr); got != hostSocket {
			t.Errorf("livenessprobe dials %s of the host, the driver listens on %s", got, hostSocket)
		}
	}
}

func TestNodePlugin(t *testing.T) {
	m := load(t)
	ds := one[*appsv1.DaemonSet](t, m)
	spec := &ds.Spec.Template.Spec
	c := imageContainer(t, spec, "cssfs")
	if len(c.Args) == 0 || c.Args[0] != "csi" {
		t.Errorf("node container runs %v, want cssfs csi …", c.Args)
	}
	if mode, _ := flag(c.Args, "mode"); mode != "node" && mode != "all" {
		t.Errorf("--mode=%q, want node or all", mode)
	}
	checkNodeID(t, c)
	if c.SecurityContext == nil || c.SecurityContext.Privileged == nil || !*c.SecurityContext.Privileged {
		t.Error("the node container must be privileged (mount, Bidirectional propagation)")
	}

	// /dev/fuse from the host.
	fuse, _ := resolve(t, spec, c, "/dev/fuse")
	if fuse.HostPath == nil || fuse.HostPath.Path != "/dev/fuse" {
		t.Errorf("/dev/fuse comes from volume %s, not the host's /dev/fuse", fuse.Name)
	} else if fuse.HostPath.Type == nil || *fuse.HostPath.Type != corev1.HostPathCharDev {
		t.Errorf("/dev/fuse hostPath type %v, want CharDevice", fuse.HostPath.Type)
	}

	// The kubelet directory, at the same path, with Bidirectional propagation
	// so that the mounts made in the container reach the pods.
	dir := kubeletDir
	if d, ok := flag(c.Args, "kubelet-dir"); ok {
		dir = d
	}
	if got := hostPathOf(t, spec, c, dir); got != kubeletDir {
		t.Errorf("--kubelet-dir %s is %s of the host, want %s", dir, got, kubeletDir)
	}
	if dir != kubeletDir {
		t.Errorf("--kubelet-dir %s: the kubelet's target paths are %s/pods/…; the container must see them at the same path", dir, kubeletDir)
	}
	var vm *corev1.VolumeMount
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].MountPath == dir {
			vm = &c.VolumeMounts[i]
		}
	}
	if vm == nil || vm.MountPropagation == nil || *vm.MountPropagation != corev1.MountPropagationBidirectional {
		t.Errorf("%s must be mounted with mountPropagation Bidirectional", dir)
	}

	// The sidecars need no privilege.
	for _, s := range spec.Containers {
		if s.Name != c.Name && s.SecurityContext != nil && s.SecurityContext.Privileged != nil && *s.SecurityContext.Privileged {
			t.Errorf("sidecar %s is privileged", s.Name)
		}
		if s.Name != c.Name && hasBidirectional(&s) {
			t.Errorf("sidecar %s has a Bidirectional mount", s.Name)
		}
	}
	if !tolerates(spec.Tolerations) {
		t.Error("the node plugin must tolerate every taint, or pods on tainted nodes cannot mount")
	}
	for _, s := range spec.Containers {
		if s.Resources.Requests.Memory().IsZero() || s.Resources.Requests.Cpu().IsZero() {
			t.Errorf("container %s has no cpu/memory requests", s.Name)
		}
	}
}

func hasBidirectional(c *corev1.Container) bool {
	for _, vm := range c.VolumeMounts {
		if vm.MountPropagation != nil && *vm.MountPropagation == corev1.MountPropagationBidirectional {
			return true
		}
	}
	return false
}

func tolerates(ts []corev1.Toleration) bool {
	for _, t := range ts {
		if t.Operator == corev1.TolerationOpExists && t.Key == "" && t.Effect == "" {
			return true
		}
	}
	return false
}

// checkNodeID: --node-id=$(KUBE_NODE_NAME), with KUBE_NODE_NAME from spec.nodeName.
func checkNodeID(t *testing.T, c *corev1.Container) {
	t.Helper()
	if id, _ := flag(c.Args, "node-id"); id != "$(KUBE_NODE_NAME)" {
		t.Errorf("container %s: --node-id=%q, want $(KUBE_NODE_NAME)", c.Name, id)
	}
	for _, e := range c.Env {
		if e.Name == "KUBE_NODE_NAME" {
			if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
				t.Errorf("container %s: KUBE_NODE_NAME is not spec.nodeName", c.Name)
			}
			return
		}
	}
	t.Errorf("container %s: no KUBE_NODE_NAME in the environment", c.Name)
}

func TestController(t *testing.T) {
	m := load(t)
	dep := one[*appsv1.Deployment](t, m)
	spec := &dep.Spec.Template.Spec
	driver := imageContainer(t, spec, "cssfs")
	if len(driver.Args) == 0 || driver.Args[0] != "csi" {
		t.Errorf("controller runs %v, want cssfs csi …", driver.Args)
	}
	if mode, _ := flag(driver.Args, "mode"); mode != "controller" {
		t.Errorf("controller --mode=%q, want controller", mode)
	}
	checkNodeID(t, driver)
	prov := imageContainer(t, spec, "sig-storage/csi-provisioner")

	// Both ends of the socket on the same volume and path.
	endpoint, _ := flag(driver.Args, "endpoint")
	dv, drel := resolve(t, spec, driver, socketPath(t, endpoint))
	addr, ok := flag(prov.Args, "csi-address")
	if !ok {
		t.Fatal("provisioner has no --csi-address")
	}
	pv, prel := resolve(t, spec, prov, addr)
	if dv.Name != pv.Name || drel != prel {
		t.Errorf("driver listens on %s:%s, provisioner dials %s:%s", dv.Name, drel, pv.Name, prel)
	}
	if dv.EmptyDir == nil {
		t.Errorf("the controller's socket is on %s, want a pod-private emptyDir", dv.Name)
	}
	if _, ok := flag(prov.Args, "leader-election"); ok {
		ns, _ := flag(prov.Args, "leader-election-namespace")
		if ns != "$(NAMESPACE)" && ns != dep.Namespace {
			t.Errorf("--leader-election-namespace=%q, want the controller's own", ns)
		}
	} else if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Error("several provisioner replicas need --leader-election")
	}
	// The controller never mounts: no privilege anywhere in it.
	for _, c := range spec.Containers {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			t.Errorf("controller container %s is privileged", c.Name)
		}
	}
}

// rbac gathers who is granted what.
type rbac struct {
	sas          map[string]*corev1.ServiceAccount // namespace/name
	clusterRoles map[string]*rbacv1.ClusterRole
	roles        map[string]*rbacv1.Role // namespace/name
	crbs         []*rbacv1.ClusterRoleBinding
	rbs          []*rbacv1.RoleBinding
}

func loadRBAC(m *manifests) *rbac {
	r := &rbac{sas: map[string]*corev1.ServiceAccount{}, clusterRoles: map[string]*rbacv1.ClusterRole{}, roles: map[string]*rbacv1.Role{}}
	for _, sa := range all[*corev1.ServiceAccount](m) {
		r.sas[sa.Namespace+"/"+sa.Name] = sa
	}
	for _, cr := range all[*rbacv1.ClusterRole](m) {
		r.clusterRoles[cr.Name] = cr
	}
	for _, ro := range all[*rbacv1.Role](m) {
		r.roles[ro.Namespace+"/"+ro.Name] = ro
	}
	r.crbs = all[*rbacv1.ClusterRoleBinding](m)
	r.rbs = all[*rbacv1.RoleBinding](m)
	return r
}

func boundTo(subjects []rbacv1.Subject, bindingNS, ns, name string) bool {
	for _, s := range subjects {
		sns := s.Namespace
		if sns == "" {
			sns = bindingNS
		}
		if s.Kind == rbacv1.ServiceAccountKind && s.Name == name && sns == ns {
			return true
		}
	}
	return false
}

// rules returns the rules granted to a service account cluster-wide and in namespace ns.
func (r *rbac) rules(t *testing.T, saNS, sa string) (cluster, namespaced []rbacv1.PolicyRule) {
	t.Helper()
	for _, b := range r.crbs {
		if !boundTo(b.Subjects, "", saNS, sa) {
			continue
		}
		cr, ok := r.clusterRoles[b.RoleRef.Name]
		if b.RoleRef.Kind != "ClusterRole" || !ok {
			t.Errorf("ClusterRoleBinding %s refers to %s %s, not in rbac.yaml", b.Name, b.RoleRef.Kind, b.RoleRef.Name)
			continue
		}
		cluster = append(cluster, cr.Rules...)
	}
	for _, b := range r.rbs {
		if !boundTo(b.Subjects, b.Namespace, saNS, sa) {
			continue
		}
		switch b.RoleRef.Kind {
		case "Role":
			ro, ok := r.roles[b.Namespace+"/"+b.RoleRef.Name]
			if !ok {
				t.Errorf("RoleBinding %s refers to Role %s, not in its namespace", b.Name, b.RoleRef.Name)
				continue
			}
			if b.Namespace == saNS {
				namespaced = append(namespaced, ro.Rules...)
			}
		case "ClusterRole":
			if cr, ok := r.clusterRoles[b.RoleRef.Name]; ok && b.Namespace == saNS {
				namespaced = append(namespaced, cr.Rules...)
			}
		}
	}
	return cluster, namespaced
}

func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
			return true
		}
	}
	return false
}

func TestRBAC(t *testing.T) {
	m := load(t)
	r := loadRBAC(m)

	// Every workload's ServiceAccount exists.
	for _, w := range m.workloads() {
		if strings.HasPrefix(w.name, "Pod ") {
			continue
		}
		sa := w.spec.ServiceAccountName
		if sa == "" || r.sas[w.namespace+"/"+sa] == nil {
			t.Errorf("%s runs as ServiceAccount %q, which rbac.yaml does not create in %s", w.name, sa, w.namespace)
		}
	}
	// Bindings name ServiceAccounts that exist.
	for _, b := range r.crbs {
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && r.sas[s.Namespace+"/"+s.Name] == nil {
				t.Errorf("ClusterRoleBinding %s names ServiceAccount %s/%s, which does not exist", b.Name, s.Namespace, s.Name)
			}
		}
	}

	// The provisioner.
	dep := one[*appsv1.Deployment](t, m)
	cluster, namespaced := r.rules(t, dep.Namespace, dep.Spec.Template.Spec.ServiceAccountName)
	need := []struct{ group, resource, verbs string }{
		{"", "persistentvolumes", "get list watch create delete patch"},
		{"", "persistentvolumeclaims", "get list watch update"},
		{"storage.k8s.io", "storageclasses", "get list watch"},
		{"", "events", "create patch list watch update"},
		{"storage.k8s.io", "csinodes", "get list watch"},
		{"", "nodes", "get list watch"},
	}
	for _, n := range need {
		for _, v := range strings.Fields(n.verbs) {
			if !allows(cluster, n.group, n.resource, v) {
				t.Errorf("the provisioner may not %s %s", v, n.resource)
			}
		}
	}
	if _, ok := flag(container(t, &dep.Spec.Template.Spec, "csi-provisioner").Args, "leader-election"); ok {
		for _, v := range []string{"get", "list", "watch", "create", "update"} {
			if !allows(namespaced, "coordination.k8s.io", "leases", v) {
				t.Errorf("leader election: the provisioner may not %s leases in %s", v, dep.Namespace)
			}
		}
	}

	// Least privilege: no wildcards, no secrets, nothing for the node plugin.
	for _, cr := range r.clusterRoles {
		checkLeast(t, "ClusterRole "+cr.Name, cr.Rules)
	}
	for _, ro := range r.roles {
		checkLeast(t, "Role "+ro.Name, ro.Rules)
	}
	ds := one[*appsv1.DaemonSet](t, m)
	nodeSA := ds.Spec.Template.Spec.ServiceAccountName
	if c, n := r.rules(t, ds.Namespace, nodeSA); len(c)+len(n) > 0 {
		t.Errorf("the node plugin's ServiceAccount %s is granted %v %v; it needs no API access", nodeSA, c, n)
	}
	if a := ds.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Error("the node plugin needs no API token: automountServiceAccountToken: false")
	}
}

func checkLeast(t *testing.T, who string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for _, r := range rules {
		if slices.Contains(r.Verbs, "*") || slices.Contains(r.Resources, "*") || slices.Contains(r.APIGroups, "*") {
			t.Errorf("%s has a wildcard rule %v", who, r)
		}
		if slices.Contains(r.Resources, "secrets") {
			t.Errorf("%s may read secrets; the provisioner needs none (credentials reach the node in NodePublishVolume)", who)
		}
	}
}

// splitImage splits an image reference into repository, tag and digest.
func splitImage(ref string) (repo, tag, digest string) {
	repo, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest
}

func TestImagesPinned(t *testing.T) {
	m := load(t)
	tagRE := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	cssfsImages := map[string]bool{}
	for _, w := range m.workloads() {
		cs := append(slices.Clone(w.spec.InitContainers), w.spec.Containers...)
		for _, c := range cs {
			repo, tag, digest := splitImage(c.Image)
			switch {
			case tag == "" && digest == "":
				t.Errorf("%s, container %s: image %q has no tag", w.name, c.Name, c.Image)
			case tag == "latest":
				t.Errorf("%s, container %s: image %q is :latest", w.name, c.Name, c.Image)
			case tag != "" && !tagRE.MatchString(tag):
				t.Errorf("%s, container %s: image %q has an invalid tag", w.name, c.Name, c.Image)
			}
			if repo != strings.ToLower(repo) {
				t.Errorf("%s, container %s: image %q: a repository is lower case", w.name, c.Name, c.Image)
			}
			if strings.Contains(repo, "sig-storage/") && !strings.HasPrefix(repo, "registry.k8s.io/sig-storage/") {
				t.Errorf("%s: sidecar %q is not from registry.k8s.io/sig-storage", w.name, c.Image)
			}
			if path.Base(repo) == "cssfs" {
				cssfsImages[c.Image] = true
			}
		}
	}
	if len(cssfsImages) != 1 {
		t.Errorf("the node plugin and the controller must run the same cssfs image, have %v", cssfsImages)
	}
	// kubectl apply -k replaces that image, so the kustomization must name it.
	k := one[*kustomization](t, m)
	for img := range cssfsImages {
		repo, _, _ := splitImage(img)
		if !slices.ContainsFunc(k.Images, func(i kustomizeImage) bool { return i.Name == repo }) {
			t.Errorf("kustomization.yaml's images do not name %s", repo)
		}
	}
}

// kubectl apply -k installs every manifest of the driver and none of the examples.
func TestKustomization(t *testing.T) {
	m := load(t)
	k := one[*kustomization](t, m)
	listed := map[string]bool{}
	for _, r := range k.Resources {
		if _, err := os.Stat(r); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
		if strings.HasPrefix(r, "examples") {
			t.Errorf("kustomization.yaml installs the example %s", r)
		}
		listed[r] = true
	}
	files := map[string]bool{}
	for _, d := range m.docs {
		files[d.file] = true
	}
	for f := range files {
		if !strings.Contains(f, "/") && f != "kustomization.yaml" && !listed[f] {
			t.Errorf("kustomization.yaml does not list %s", f)
		}
	}
	// The Namespace before what lives in it.
	if len(k.Resources) == 0 || k.Resources[0] != "namespace.yaml" {
		t.Errorf("kustomization.yaml resources %v: namespace.yaml first", k.Resources)
	}
}

func secretKeys(s *corev1.Secret) []string {
	var keys []string
	for k := range s.Data {
		keys = append(keys, k)
	}
	for k := range s.StringData {
		if _, dup := s.Data[k]; !dup {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func TestExamples(t *testing.T) {
	m := load(t)
	secrets := map[string]*corev1.Secret{}
	for _, s := range all[*corev1.Secret](m) {
		secrets[s.Namespace+"/"+s.Name] = s
		if keys := secretKeys(s); !slices.Equal(keys, []string{"key", "secret"}) {
			t.Errorf("Secret %s has keys %v, want key and secret", s.Name, keys)
		}
	}
	pvcs := all[*corev1.PersistentVolumeClaim](m)
	classes := map[string]*storagev1.StorageClass{}
	for _, sc := range all[*storagev1.StorageClass](m) {
		classes[sc.Name] = sc
		if sc.Provisioner != driverName {
			t.Errorf("StorageClass %s: provisioner %q, want %q", sc.Name, sc.Provisioner, driverName)
		}
		name, ns := sc.Parameters[secretNameKey], sc.Parameters[secretNSKey]
		if name == "" || ns == "" {
			t.Errorf("StorageClass %s names no node-publish Secret (%s, %s)", sc.Name, secretNameKey, secretNSKey)
			continue
		}
		// The Secret must be where each PVC of the class will look.
		for _, c := range pvcs {
			if c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != sc.Name {
				continue
			}
			want := strings.ReplaceAll(ns, "${pvc.namespace}", c.Namespace) + "/" +
				strings.ReplaceAll(strings.ReplaceAll(name, "${pvc.namespace}", c.Namespace), "${pvc.name}", c.Name)
			if secrets[want] == nil {
				t.Errorf("PVC %s of class %s: its Secret %s is not among the examples", c.Name, sc.Name, want)
			}
		}
	}
	if len(classes) == 0 {
		t.Error("no example StorageClass")
	}

	pvs := map[string]*corev1.PersistentVolume{}
	for _, pv := range all[*corev1.PersistentVolume](m) {
		pvs[pv.Name] = pv
		if !slices.Equal(pv.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany}) {
			t.Errorf("PV %s: access modes %v, want [ReadOnlyMany]", pv.Name, pv.Spec.AccessModes)
		}
		c := pv.Spec.CSI
		if c == nil {
			t.Errorf("PV %s is not a CSI volume", pv.Name)
			continue
		}
		if c.Driver != driverName {
			t.Errorf("PV %s: csi.driver %q, want %q", pv.Name, c.Driver, driverName)
		}
		if !c.ReadOnly {
			t.Errorf("PV %s: csi.readOnly must be true", pv.Name)
		}
		if c.VolumeHandle == "" {
			t.Errorf("PV %s has no volumeHandle", pv.Name)
		}
		if ref := c.NodePublishSecretRef; ref == nil || secrets[ref.Namespace+"/"+ref.Name] == nil {
			t.Errorf("PV %s: nodePublishSecretRef %v is not an example Secret", pv.Name, ref)
		}
	}
	if len(pvs) == 0 {
		t.Error("no example static PV")
	}

	claims := map[string]*corev1.PersistentVolumeClaim{}
	for _, c := range pvcs {
		claims[c.Namespace+"/"+c.Name] = c
		if !slices.Equal(c.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany}) {
			t.Errorf("PVC %s: access modes %v, want [ReadOnlyMany]", c.Name, c.Spec.AccessModes)
		}
		sc := ""
		if c.Spec.StorageClassName != nil {
			sc = *c.Spec.StorageClassName
		}
		switch {
		case c.Spec.VolumeName != "":
			pv := pvs[c.Spec.VolumeName]
			if pv == nil {
				t.Errorf("PVC %s: volumeName %s is not an example PV", c.Name, c.Spec.VolumeName)
				continue
			}
			if pv.Spec.StorageClassName != sc {
				t.Errorf("PVC %s: storageClassName %q, its PV's %q", c.Name, sc, pv.Spec.StorageClassName)
			}
			if r := pv.Spec.ClaimRef; r != nil && (r.Name != c.Name || r.Namespace != c.Namespace) {
				t.Errorf("PV %s is reserved for %s/%s, not PVC %s", pv.Name, r.Namespace, r.Name, c.Name)
			}
			if c.Spec.Resources.Requests.Storage().Cmp(pv.Spec.Capacity[corev1.ResourceStorage]) > 0 {
				t.Errorf("PVC %s asks for more than its PV's capacity, so it would never bind", c.Name)
			}
		case classes[sc] == nil:
			t.Errorf("PVC %s: storageClassName %q is not an example StorageClass", c.Name, sc)
		}
		if c.Spec.Resources.Requests.Storage().IsZero() {
			t.Errorf("PVC %s requests no storage (the API requires it)", c.Name)
		}
	}

	// The pod mounts claims that exist, read-only.
	pods := all[*corev1.Pod](m)
	if len(pods) == 0 {
		t.Fatal("no example Pod")
	}
	for _, p := range pods {
		n := 0
		for _, v := range p.Spec.Volumes {
			src := v.PersistentVolumeClaim
			if src == nil {
				continue
			}
			n++
			if claims[p.Namespace+"/"+src.ClaimName] == nil {
				t.Errorf("Pod %s: claim %s is not an example PVC in %s", p.Name, src.ClaimName, p.Namespace)
			}
			if !src.ReadOnly {
				t.Errorf("Pod %s: claim %s must be readOnly", p.Name, src.ClaimName)
			}
			for _, c := range p.Spec.Containers {
				for _, vm := range c.VolumeMounts {
					if vm.Name == v.Name && !vm.ReadOnly {
						t.Errorf("Pod %s, container %s: mount of %s must be readOnly", p.Name, c.Name, v.Name)
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("Pod %s mounts no claim", p.Name)
		}
	}
}

// mountFlags are the flags of "cssfs mount" that make sense per volume.
// Left out: credentials (they come from the Secret), what the driver decides
// itself or is meaningless in a pod (daemon, allow-other, allow-root,
// allow-delete on a read-only volume, the demo tenant, no-ops), and what
// would write files or open ports on the node (log-file, audit-log,
// cpu-profile, metrics-addr).
// TODO(after merging issue 16's csi package): check the examples with
// csi.ValidateParameters instead of this list.
var mountFlags = []string{
	"api-url", "region", "layout", "name-format", "timezone", "show-archived", "sidecars",
	"cache-size", "block-size", "max-rps", "op-timeout", "log-level", "log-format",
	"dir-cache-ttl", "attr-ttl", "file-mode", "dir-mode", "no-xattrs", "uid", "gid",
	"debug-fuse",
}

// initialisms are written in capitals in a camelCase key (apiURL, maxRPS).
var initialisms = map[string]string{"url": "URL", "rps": "RPS", "ttl": "TTL", "fuse": "FUSE"}

// camel turns a flag name into its volume parameter key: api-url -> apiURL.
func camel(flag string) string {
	parts := strings.Split(flag, "-")
	for i, p := range parts {
		if i == 0 {
			continue
		}
		if up, ok := initialisms[p]; ok {
			parts[i] = up
		} else {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

func TestCamel(t *testing.T) {
	for flag, want := range map[string]string{
		"api-url": "apiURL", "region": "region", "cache-size": "cacheSize",
		"dir-cache-ttl": "dirCacheTTL", "max-rps": "maxRPS", "file-mode": "fileMode",
		"debug-fuse": "debugFUSE",
	} {
		if got := camel(flag); got != want {
			t.Errorf("camel(%q) = %q, want %q", flag, got, want)
		}
	}
}

// The keys of the examples' parameters and volumeAttributes are ones the
// driver accepts, and credentials are never among them.
func TestVolumeParameterKeys(t *testing.T) {
	accepted := map[string]bool{}
	for _, f := range mountFlags {
		accepted[camel(f)] = true
	}
	// The keys the deployment documents must be among them.
	for _, k := range []string{"apiURL", "region", "layout", "cacheSize", "fileMode", "dirMode"} {
		if !accepted[k] {
			t.Errorf("documented key %s is not accepted", k)
		}
	}
	m := load(t)
	check := func(where string, params map[string]string) {
		if len(params) == 0 {
			t.Errorf("%s sets no parameter", where)
		}
		for k := range params {
			if strings.HasPrefix(k, "csi.storage.k8s.io/") {
				continue // for the provisioner and the kubelet, not the driver
			}
			low := strings.ToLower(k)
			if low == "key" || strings.Contains(low, "secret") || strings.Contains(low, "credential") {
				t.Errorf("%s: credentials (%s) belong in the Secret, never in volume attributes", where, k)
			} else if !accepted[k] {
				t.Errorf("%s: the driver does not accept the key %q", where, k)
			}
		}
	}
	for _, sc := range all[*storagev1.StorageClass](m) {
		check("StorageClass "+sc.Name, sc.Parameters)
	}
	for _, pv := range all[*corev1.PersistentVolume](m) {
		if pv.Spec.CSI != nil {
			check("PV "+pv.Name, pv.Spec.CSI.VolumeAttributes)
		}
	}
}

// The image: built from source with the version stamped, fuse3 installed,
// cssfs as its entrypoint. (No docker here to build it.)
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms []string
	var install, entry, build string
	for line := range strings.SplitSeq(joinContinued(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
		case "RUN":
			if strings.Contains(line, "apt-get install") {
				install = line
			}
			if strings.Contains(line, "go build") {
				build = line
			}
		case "ENTRYPOINT":
			entry = line
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, have FROM %v", froms)
	}
	for _, img := range froms {
		if _, tag, digest := splitImage(img); (tag == "" && digest == "") || tag == "latest" {
			t.Errorf("base image %s is not pinned to a tag", img)
		}
	}
	if !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("builder %s, want golang:1.26 (the go line of go.mod)", froms[0])
	}
	if !strings.HasPrefix(froms[len(froms)-1], "debian:") || !strings.Contains(froms[len(froms)-1], "slim") {
		t.Errorf("runtime %s, want a Debian slim image", froms[len(froms)-1])
	}
	for _, pkg := range []string{"fuse3", "ca-certificates"} {
		if !slices.Contains(strings.Fields(install), pkg) {
			t.Errorf("the image does not install %s: %q", pkg, install)
		}
	}
	if !strings.Contains(build, "-X main.version=") || !strings.Contains(build, "./cmd/cssfs") {
		t.Errorf("the build does not stamp the version as make build does: %q", build)
	}
	if !strings.Contains(entry, "cssfs") {
		t.Errorf("ENTRYPOINT %q is not cssfs", entry)
	}

	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(ignore))
	if !slices.Contains(lines, ".git") {
		t.Error(".dockerignore must leave .git out")
	}
	for _, need := range []string{"go.mod", "go.sum", "cmd", "client", "tree", "fusefs"} {
		if slices.Contains(lines, need) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", need)
		}
	}
}

// joinContinued joins Dockerfile lines continued with a backslash.
func joinContinued(s string) string {
	return strings.ReplaceAll(s, "\\\n", " ")
}

// The README's walkthrough names the sidecar versions the manifests pin.
func TestReadmeSidecarVersions(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	for _, w := range load(t).workloads() {
		for _, c := range w.spec.Containers {
			repo, tag, _ := splitImage(c.Image)
			if !strings.HasPrefix(repo, "registry.k8s.io/sig-storage/") {
				continue
			}
			if want := path.Base(repo) + " " + tag; !strings.Contains(text, want) {
				t.Errorf("README.md does not name %s (the image of %s)", want, w.name)
			}
		}
	}
}
