// Package hosted reads the agencies one docflow installation serves (a
// ministry or province hosts its departments; DOMAIN.md §7): one directory
// per agency, named by its identifier, holding
//
//	agency.yaml    id, name and place (địa danh of its date lines)
//	orgchart.yaml  its units, positions and staff (routing)
//	routing.yaml   its routing rules (routing)
//
// Every service that acts for an agency reads the same directory, so adding
// an agency to an installation is adding one directory.
package hosted

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/docflow/docflow/api/ids"
)

// File names inside an agency's directory.
const (
	AgencyFile   = "agency.yaml"
	OrgChartFile = "orgchart.yaml"
	RulesFile    = "routing.yaml"
)

// Agency is one agency the installation serves.
type Agency struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Place string `yaml:"place"`
	// Dir is the agency's directory; OrgChart and Rules are its files.
	Dir string `yaml:"-"`
}

// OrgChart is the path of the agency's org chart.
func (a Agency) OrgChart() string { return filepath.Join(a.Dir, OrgChartFile) }

// Rules is the path of the agency's routing rules.
func (a Agency) Rules() string { return filepath.Join(a.Dir, RulesFile) }

// Load reads every agency under dir, in identifier order. Each
// subdirectory must be named by the identifier its agency.yaml gives, so a
// copied directory left unrenamed is caught at start, not when a document
// is routed with the wrong agency's chart.
func Load(dir string) ([]Agency, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("hosted agencies: %w", err)
	}
	var out []Agency
	var problems []error
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		a, err := loadOne(filepath.Join(dir, e.Name()))
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if a.ID != e.Name() {
			problems = append(problems, fmt.Errorf("hosted agencies: %s names agency %q: rename the directory to %s", filepath.Join(dir, e.Name(), AgencyFile), a.ID, a.ID))
			continue
		}
		out = append(out, a)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("hosted agencies: %s holds no agency directory (one per agency, named by its identifier, with %s)", dir, AgencyFile)
	}
	slices.SortFunc(out, func(a, b Agency) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func loadOne(dir string) (Agency, error) {
	path := filepath.Join(dir, AgencyFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return Agency{}, fmt.Errorf("hosted agencies: %w", err)
	}
	var a Agency
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		return Agency{}, fmt.Errorf("hosted agencies: %s: %w", path, err)
	}
	var problems []string
	if err := ids.CheckAgency(a.ID); err != nil {
		problems = append(problems, err.Error())
	}
	if strings.TrimSpace(a.Name) == "" {
		problems = append(problems, "name is empty")
	}
	if strings.TrimSpace(a.Place) == "" {
		problems = append(problems, "place (the địa danh of its date lines) is empty")
	}
	if len(problems) > 0 {
		return Agency{}, fmt.Errorf("hosted agencies: %s: %s", path, strings.Join(problems, "; "))
	}
	a.Dir = dir
	return a, nil
}

// Find returns the agency with identifier id.
func Find(all []Agency, id string) (Agency, bool) {
	i := slices.IndexFunc(all, func(a Agency) bool { return a.ID == id })
	if i < 0 {
		return Agency{}, false
	}
	return all[i], true
}
