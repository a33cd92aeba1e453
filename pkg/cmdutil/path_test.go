package cmdutil

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInDir(t *testing.T) {
	dir := filepath.FromSlash("/work/script")
	assert.Equal(t, filepath.Join(dir, "plan.json"), InDir(dir, "plan.json"))
	assert.Equal(t, filepath.FromSlash("/work/x"), InDir(dir, "../x"))
	assert.Equal(t, "plan.json", InDir("", "plan.json"), "no dir: the process's working directory")
	assert.Equal(t, "", InDir(dir, ""), "no path stays no path")
	abs := filepath.FromSlash("/etc/pamctl/ca.pem")
	assert.Equal(t, abs, InDir(dir, abs))
	f := &Factory{Dir: dir}
	assert.Equal(t, filepath.Join(dir, "out"), f.Path("out"))
}

func TestReadFileNamesThePathAsGiven(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFile(dir, "nosuch.json")
	assert.ErrorContains(t, err, "open nosuch.json: no such file")
}
