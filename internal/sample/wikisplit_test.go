package sample

import (
	"os"
	"strings"
	"testing"
)

func TestWikiTextsRolesAreDisjoint(t *testing.T) {
	paths, err := WikiTexts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range WikiLangs() {
		read := func(role string) string {
			b, err := os.ReadFile(paths[role+"-"+lang])
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		train, calib, eval := read("train"), read("calib"), read("eval")
		if len(eval) < WikiEvalBytes || len(calib) < WikiCalibBytes || len(train) < 5*WikiEvalBytes {
			t.Errorf("%s: train %d, calib %d, eval %d bytes", lang, len(train), len(calib), len(eval))
		}
		// No paragraph of the eval or calibration text is trained on.
		for _, role := range []string{calib, eval} {
			for _, para := range strings.Split(role, "\n") {
				if len(para) > 80 && strings.Contains(train, para) {
					t.Errorf("%s: paragraph %.40q… is in the training text too", lang, para)
				}
			}
		}
		if strings.Contains(eval, strings.SplitN(calib, "\n", 2)[0]) {
			t.Errorf("%s: eval text holds calibration text", lang)
		}
	}
}
