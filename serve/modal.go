package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
)

// modalView is the JSON modal open on the page: the form the app's
// opening answer describes (a field per block, with its value), what the
// last submit brought back, and the app's own words for its buttons.
type modalView struct {
	Name           string
	Blocks         []modalBlock
	Submit, Cancel string
	Message        string // a submit's success message
	Problem        string // what is wrong with an answer
}

type modalBlock struct{ Name, Value, Error string }

// openModal sends the JSON modal's opening request as the viewer and
// lays out the answer as a form.
func (s *Server) openModal(ctx context.Context, ext manifest.Extension) {
	v := s.viewer
	mv := &modalView{Name: ext.Name, Submit: "Submit", Cancel: "Cancel"}
	s.modal = mv
	req := marketplace.ModalRequest{Extension: ext.Name, UserID: int64(v.ID)}
	ex := s.send(v, func() (marketplace.Exchange, error) { return s.fake.SendModalOpen(ctx, s.app.ClientID, req) },
		func(ex marketplace.Exchange) []marketplace.Finding {
			return s.fake.JudgeModalOpen(ex, marketplace.Answer(""))
		})
	if problem := answerProblem(ex); problem != "" {
		mv.Problem = problem
		return
	}
	var doc struct {
		Data struct {
			Blocks  map[string]map[string]any `json:"blocks"`
			Actions map[string]struct {
				Label string `json:"label"`
			} `json:"actions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ex.Body, &doc); err != nil || len(doc.Data.Blocks) == 0 {
		mv.Problem = "The answer is not a JSON modal (data.blocks): " + excerpt(string(ex.Body), 200)
		return
	}
	for name, b := range doc.Data.Blocks {
		val := ""
		if x, ok := b["value"]; ok && x != nil {
			val = fmt.Sprint(x)
		}
		mv.Blocks = append(mv.Blocks, modalBlock{Name: name, Value: val})
	}
	sort.Slice(mv.Blocks, func(i, j int) bool { return mv.Blocks[i].Name < mv.Blocks[j].Name })
	if a, ok := doc.Data.Actions["submit"]; ok && a.Label != "" {
		mv.Submit = a.Label
	}
	if a, ok := doc.Data.Actions["cancel"]; ok && a.Label != "" {
		mv.Cancel = a.Label
	}
}

// submitModal posts the form's values to the JSON modal as the viewer: a
// success closes it with the app's message; block errors are shown beside
// their blocks, and the form stays open.
func (s *Server) submitModal(ctx context.Context, f map[string][]string) error {
	mv := s.modal
	if mv == nil {
		return fmt.Errorf("no JSON modal is open")
	}
	values := map[string]any{}
	for i := range mv.Blocks {
		b := &mv.Blocks[i]
		b.Value, b.Error = first(f["block:"+b.Name]), ""
		values[b.Name] = b.Value
	}
	mv.Message, mv.Problem = "", ""
	v := s.viewer
	req := marketplace.ModalRequest{Extension: mv.Name, UserID: int64(v.ID)}
	ex := s.send(v, func() (marketplace.Exchange, error) { return s.fake.SendModalSubmit(ctx, s.app.ClientID, req, values) },
		func(ex marketplace.Exchange) []marketplace.Finding {
			return s.fake.JudgeModalSubmit(ex, marketplace.Answer(""))
		})
	if problem := answerProblem(ex); problem != "" {
		mv.Problem = problem
		return nil
	}
	var doc struct {
		Success *struct {
			Message string `json:"message"`
		} `json:"success"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
		Data struct {
			Blocks map[string]struct {
				Error string `json:"error"`
			} `json:"blocks"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ex.Body, &doc); err != nil {
		mv.Problem = "The answer is not JSON: " + excerpt(string(ex.Body), 200)
		return nil
	}
	switch {
	case doc.Success != nil:
		mv.Message, mv.Blocks = "The app says: "+doc.Success.Message, nil
	case doc.Error != nil:
		mv.Problem = "The app says: " + doc.Error.Message
	case len(doc.Data.Blocks) > 0:
		for i := range mv.Blocks {
			mv.Blocks[i].Error = doc.Data.Blocks[mv.Blocks[i].Name].Error
		}
	default:
		mv.Problem = "The answer is neither a success, an error nor block errors: " + excerpt(string(ex.Body), 200)
	}
	return nil
}

// answerProblem says what is wrong with an answer that is no 200, or
// nothing.
func answerProblem(ex marketplace.Exchange) string {
	switch {
	case ex.Err != nil:
		return "The app did not answer: " + ex.Err.Error()
	case ex.Status != http.StatusOK:
		return fmt.Sprintf("The app answered %d: %s", ex.Status, strings.TrimSpace(excerpt(string(ex.Body), 200)))
	}
	return ""
}
