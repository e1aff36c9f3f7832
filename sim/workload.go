package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/appcert/appcert/reference"
)

// Mix is the workload's choice of actions. Weights are relative; the
// shares are the calibration targets of seed 000: "up to 30% of app
// installations are being shared, and 70% of these shared installations
// are added to all users in the company".
type Mix struct {
	SharedShare   float64 // of accepted installs, those shared with others
	AllUsersShare float64 // of shared installs, those shared with all users

	Install, Authorize, ManageUsers, Uninstall, OpenApps, ExpireAuthorization,
	CreateObject, ChangeScopes, SetSharingMode, Mistake float64

	// Procore and Zoom: users asking for apps, admins deciding, the
	// account's settings (Allow User Installs; the Permissions page),
	// pre-approvals, roles and held scopes, the request email.
	Request, Decide, Setting, PreApproval, Role, RequestEmails float64
}

// DefaultMix is the mix `appcert sim` runs unless told otherwise.
func DefaultMix() Mix {
	return Mix{
		SharedShare: 0.30, AllUsersShare: 0.70,
		Install: 30, Authorize: 14, ManageUsers: 4, Uninstall: 8, OpenApps: 30,
		ExpireAuthorization: 2, CreateObject: 2, ChangeScopes: 0.02, SetSharingMode: 0.001, Mistake: 3,
	}
}

// DefaultMixFor is the mix `appcert sim` runs for profile.
func DefaultMixFor(p reference.Profile) Mix {
	switch p {
	case reference.Procore:
		return Mix{Install: 30, Authorize: 5, Uninstall: 8, OpenApps: 10, Request: 12, Decide: 10, Setting: 0.5, Mistake: 3}
	case reference.Zoom:
		return Mix{Install: 30, Authorize: 3, Uninstall: 8, OpenApps: 10, Request: 12, Decide: 10, Setting: 0.5,
			PreApproval: 0.5, Role: 1, RequestEmails: 0.2, Mistake: 3}
	}
	return DefaultMix()
}

// Config describes a simulated market and run.
type Config struct {
	Profile   reference.Profile
	Seed      uint64
	Companies int // at least 1
	Users     int // at least one per company
	Apps      int // listed apps; zero means DefaultApps
	Events    int // commands issued in all, setup included
	Mix       Mix
}

// DefaultConfig is the run `appcert sim` makes when no flag says
// otherwise, checked every DefaultCheckEvery commands; the benchmarks
// measure it.
func DefaultConfig() Config {
	return Config{Profile: reference.Pipedrive, Seed: 1, Companies: 100, Users: 10_000, Events: 1_000_000}
}

// DefaultCheckEvery is how often `appcert sim` checks the invariants
// unless told otherwise.
const DefaultCheckEvery = 100_000

// DefaultApps is how many apps a market lists unless told otherwise.
const DefaultApps = 30

// adminEvery makes every adminEvery-th user of a company (and its first) a
// global admin.
const adminEvery = 50

// Validate reports what is wrong with c, naming the flag-like field.
func (c Config) Validate() error {
	switch {
	case !slices.Contains(reference.Profiles(), c.Profile):
		return fmt.Errorf("profile %q: want one of %v", c.Profile, reference.Profiles())
	case c.Companies < 1:
		return fmt.Errorf("companies %d: need at least 1", c.Companies)
	case c.Users < c.Companies:
		return fmt.Errorf("users %d: need at least one per company (%d)", c.Users, c.Companies)
	case c.Apps < 0:
		return fmt.Errorf("apps %d: must not be negative", c.Apps)
	case c.Events < c.setup()+c.Users-c.Companies:
		return fmt.Errorf("events %d: the market needs %d commands to set up and let every user join", c.Events, c.setup()+c.Users-c.Companies)
	}
	return nil
}

func (c Config) apps() int {
	if c.Apps == 0 {
		return DefaultApps
	}
	return c.Apps
}

// setup is the number of commands before the run proper: companies, apps,
// and each company's first user, its admin.
func (c Config) setup() int { return 2*c.Companies + c.apps() }

// Workload generates the commands of a run, deterministically from its
// seed. It plays every actor: users joining over time, admins installing
// and sharing, users authorizing, the vendor changing scopes, the
// marketplace changing modes, and mistakes the model must refuse. It reads
// the model's answers (a user sees their own status) but keeps no copy of
// the model's state beyond who exists and which shares it made.
type Workload struct {
	cfg  Config
	mix  Mix
	rng  *rand.Rand
	cum  [16]float64 // cumulative action weights, in Mix's order
	m    Model
	apps []reference.App

	// Companies: company i (0-based) has ID i+1 and user IDs
	// base[i]+1 .. base[i]+size[i], of whom the first joined[i] have joined.
	base, size, joined []int
	open               []int // companies with users still to join
	issued, toJoin     int

	// shares the workload's admins made: the adding admin of an app in a
	// company, to manage it later.
	shares   []shareRef
	shareIdx map[shareKey]int
	// blocked are apps some other admin installed for the company account
	// (the workload learns of them from a refusal), so it stops trying.
	blocked map[shareKey]bool
	// pending are the requests filed and not yet decided (Procore, Zoom).
	pending []reference.RequestID

	Stats Stats
}

type shareKey struct {
	co  reference.CompanyID
	app reference.AppID
}

type shareRef struct {
	shareKey
	by reference.UserID
}

// Stats counts what a run produced; the runner fills the model's side.
type Stats struct {
	Commands, Events      int
	Installs, Shared, All int // accepted installs; of them shared with others; with all users
	Requests              int // requests filed (Procore, Zoom)
	Approved, Denied      int // requests decided
	Refusals              map[reference.Reason]int
	Effects               map[string]int
	Joined                int
}

// NewWorkload returns the workload of cfg over m.
func NewWorkload(cfg Config, m Model) (*Workload, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Workload{cfg: cfg, mix: cfg.Mix, m: m, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		shareIdx: map[shareKey]int{}, blocked: map[shareKey]bool{}, Stats: Stats{Refusals: map[reference.Reason]int{}, Effects: map[string]int{}}}
	if w.mix == (Mix{}) {
		w.mix = DefaultMixFor(cfg.Profile)
	}
	ws := []float64{w.mix.Install, w.mix.Authorize, w.mix.ManageUsers, w.mix.Uninstall, w.mix.OpenApps,
		w.mix.ExpireAuthorization, w.mix.CreateObject, w.mix.ChangeScopes, w.mix.SetSharingMode, w.mix.Mistake,
		w.mix.Request, w.mix.Decide, w.mix.Setting, w.mix.PreApproval, w.mix.Role, w.mix.RequestEmails}
	total := 0.0
	for i, x := range ws {
		total += x
		w.cum[i] = total
	}
	if total <= 0 {
		return nil, fmt.Errorf("mix: the action weights add up to %v", total)
	}
	w.sizeCompanies()
	if cfg.Profile == reference.Pipedrive {
		w.apps = makeApps(w.rng, cfg.apps())
	} else {
		w.apps = makeAccountApps(w.rng, cfg.apps(), cfg.Profile, cfg.Companies)
	}
	return w, nil
}

// sizeCompanies draws company sizes log-uniformly from a few users to
// 100,000, then scales them to the configured total.
func (w *Workload) sizeCompanies() {
	n, total := w.cfg.Companies, w.cfg.Users
	const lo, hi = 3.0, 100_000.0
	raw := make([]float64, n)
	sum := 0.0
	for i := range raw {
		raw[i] = math.Exp(math.Log(lo) + w.rng.Float64()*(math.Log(hi)-math.Log(lo)))
		sum += raw[i]
	}
	w.size = make([]int, n)
	left := total
	for i := range raw {
		s := max(1, int(raw[i]/sum*float64(total)))
		s = min(s, left-(n-1-i)) // leave one for each company after this
		w.size[i] = s
		left -= s
	}
	for i := 0; left > 0; i = (i + 1) % n { // rounding: the rest, one each
		w.size[i]++
		left--
	}
	w.base = make([]int, n)
	w.joined = make([]int, n)
	next := 0
	for i := range w.size {
		w.base[i] = next
		next += w.size[i]
		if w.size[i] > 1 {
			w.open = append(w.open, i)
		}
	}
	w.toJoin = total - n
}

func makeApps(rng *rand.Rand, n int) []reference.App {
	scopeSets := [][]string{{"deals:read"}, {"deals:full"}, {"deals:read", "contacts:read"}, {"admin", "activities:full"},
		{"contacts:full", "products:read"}, {}}
	kinds := reference.ExtensionKinds()
	apps := make([]reference.App, n)
	for i := range apps {
		mode := reference.ModeAddToAccount
		switch r := rng.Float64(); {
		case r < 0.3:
			mode = reference.ModeNone
		case r > 0.8:
			mode = reference.ModeSharedExtensions
		}
		var exts []reference.ExtensionKind
		for _, k := range kinds {
			if rng.Float64() < 0.4 {
				exts = append(exts, k)
			}
		}
		apps[i] = reference.App{ID: reference.AppID("app-" + strconv.Itoa(i+1)), Name: "App " + strconv.Itoa(i+1), Mode: mode,
			AllowSpecificUsers: rng.Float64() < 0.7, Scopes: scopeSets[rng.IntN(len(scopeSets))], Extensions: exts}
	}
	return apps
}

// Apps lists the workload's apps' IDs.
func (w *Workload) Apps() []reference.AppID {
	ids := make([]reference.AppID, len(w.apps))
	for i, a := range w.apps {
		ids[i] = a.ID
	}
	return ids
}

// Done reports whether the run has issued all its commands.
func (w *Workload) Done() bool { return w.Stats.Commands >= w.cfg.Events }

// Next returns the next command.
func (w *Workload) Next() reference.Command {
	i := w.issued
	w.issued++
	c := w.cfg.Companies
	switch {
	case i < c:
		return reference.AddCompany{Company: reference.CompanyID(i + 1), Name: "Company " + strconv.Itoa(i+1)}
	case i < c+len(w.apps):
		return reference.PublishApp{App: w.apps[i-c]}
	case i < 2*c+len(w.apps):
		return w.join(i - c - len(w.apps))
	}
	left := w.cfg.Events - i
	if w.toJoin > 0 && w.rng.IntN(max(left, 1)) < w.toJoin {
		return w.join(w.open[w.rng.IntN(len(w.open))])
	}
	r := w.rng.Float64() * w.cum[len(w.cum)-1]
	k, _ := slices.BinarySearch(w.cum[:], r)
	if w.cfg.Profile != reference.Pipedrive {
		return w.nextAccount(k)
	}
	switch k {
	case 0:
		return w.install()
	case 1:
		return w.authorize()
	case 2:
		return w.manage()
	case 3:
		return w.uninstall()
	case 4:
		return reference.OpenApps{User: w.user()}
	case 5:
		return w.expire()
	case 6:
		return w.createObject()
	case 7:
		return reference.ChangeScopes{App: w.app().ID, Scopes: [][]string{{"deals:read"}, {"deals:full"}, {"contacts:read"}}[w.rng.IntN(3)]}
	case 8:
		return reference.SetSharingMode{App: w.app().ID, By: reference.PartyMarketplace,
			Mode: []reference.SharingMode{reference.ModeNone, reference.ModeAddToAccount, reference.ModeSharedExtensions}[w.rng.IntN(3)]}
	}
	return w.mistake()
}

// join lets the next user of company i join.
func (w *Workload) join(i int) reference.Command {
	n := w.joined[i]
	w.joined[i]++
	if n > 0 {
		w.toJoin--
	}
	if w.joined[i] == w.size[i] {
		if k := slices.Index(w.open, i); k >= 0 {
			w.open[k] = w.open[len(w.open)-1]
			w.open = w.open[:len(w.open)-1]
		}
	}
	id := w.base[i] + n + 1
	j := reference.JoinCompany{User: reference.UserID(id), Company: reference.CompanyID(i + 1),
		Name: "User " + strconv.Itoa(id), Admin: n%adminEvery == 0}
	if w.cfg.Profile != reference.Pipedrive {
		w.joinAccount(&j, n)
	}
	return j
}

// company draws a company, in proportion to its size.
func (w *Workload) company() int {
	id := w.rng.IntN(w.cfg.Users)
	i, found := slices.BinarySearch(w.base, id)
	if !found {
		i--
	}
	return i
}

// member draws a joined user of company i.
func (w *Workload) member(i int) reference.UserID {
	return reference.UserID(w.base[i] + 1 + w.rng.IntN(max(w.joined[i], 1)))
}

// admin draws a joined admin of company i.
func (w *Workload) admin(i int) reference.UserID {
	n := (max(w.joined[i], 1)-1)/adminEvery + 1
	return reference.UserID(w.base[i] + 1 + adminEvery*w.rng.IntN(n))
}

func (w *Workload) user() reference.UserID { return w.member(w.company()) }

func (w *Workload) app() *reference.App { return &w.apps[w.rng.IntN(len(w.apps))] }

// colleagues draws one to five other users of company i.
func (w *Workload) colleagues(i int, not reference.UserID) []reference.UserID {
	k := 1 + w.rng.IntN(5)
	out := make([]reference.UserID, 0, k)
	for range k {
		if u := w.member(i); u != not && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// install is a user installing an app. The run steers towards the mix's
// shares: it shares when fewer installs are shared than the target, and
// shares with all users when fewer shares are.
func (w *Workload) install() reference.Command {
	s := &w.Stats
	i := w.company()
	if float64(s.Shared) < w.mix.SharedShare*float64(s.Installs+1) {
		by := w.admin(i)
		all := float64(s.All) < w.mix.AllUsersShare*float64(s.Shared+1)
		for range 8 {
			a := w.app()
			k := shareKey{reference.CompanyID(i + 1), a.ID}
			if _, taken := w.shareIdx[k]; taken || w.blocked[k] ||
				a.Mode == reference.ModeNone || (!all && !a.AllowSpecificUsers) || w.m.Status(a.ID, by) != reference.StatusNone {
				continue
			}
			c := reference.Install{App: a.ID, By: by, Access: reference.AllUsers, Email: w.rng.IntN(3) == 0, Accept: true}
			if !all {
				c.Access, c.Users = reference.SpecificUsers, w.colleagues(i, by)
			}
			return c
		}
		// A company shares an app once; for shares to go on being made,
		// old ones end: an adding admin uninstalls.
		if sh, ok := w.someShare(); ok {
			return reference.Uninstall{App: sh.app, By: sh.by}
		}
		clear(w.blocked) // other admins' installations end too: look again
	}
	by := w.member(i)
	for range 4 {
		if a := w.app(); w.m.Status(a.ID, by) == reference.StatusNone {
			return reference.Install{App: a.ID, By: by, Accept: w.rng.IntN(10) != 0}
		}
	}
	return reference.OpenApps{User: by}
}

// authorize is a user authorizing an app an admin added, or one that
// needs re-authorizing.
func (w *Workload) authorize() reference.Command {
	u := w.user()
	for range 4 {
		a := w.app()
		if st := w.m.Status(a.ID, u); st == reference.StatusAuthorize || st == reference.StatusReauthorize {
			return reference.Authorize{App: a.ID, By: u, Accept: w.rng.IntN(8) != 0}
		}
	}
	if sh, ok := w.someShare(); ok { // an added user of a known share
		u = w.member(int(sh.co) - 1)
		return reference.Authorize{App: sh.app, By: u, Accept: true}
	}
	return reference.OpenApps{User: u}
}

func (w *Workload) someShare() (shareRef, bool) {
	if len(w.shares) == 0 {
		return shareRef{}, false
	}
	return w.shares[w.rng.IntN(len(w.shares))], true
}

// manage is the adding admin changing who has the app.
func (w *Workload) manage() reference.Command {
	sh, ok := w.someShare()
	if !ok {
		return w.install()
	}
	i := int(sh.co) - 1
	c := reference.ManageUsers{App: sh.app, By: sh.by}
	switch r := w.rng.IntN(10); {
	case r < 5:
		c.Add = w.colleagues(i, sh.by)
	case r < 9:
		c.Remove = w.colleagues(i, sh.by)
	default:
		c.Access = reference.OnlyMe
	}
	return c
}

// uninstall is a user uninstalling an app they have.
func (w *Workload) uninstall() reference.Command {
	u := w.user()
	for range 4 {
		a := w.app()
		if st := w.m.Status(a.ID, u); st == reference.StatusAuthorized || st == reference.StatusReauthorize {
			return reference.Uninstall{App: a.ID, By: u}
		}
	}
	if sh, ok := w.someShare(); ok && w.rng.IntN(20) == 0 { // now and then an adding admin leaves
		return reference.Uninstall{App: sh.app, By: sh.by}
	}
	return reference.OpenApps{User: u}
}

func (w *Workload) expire() reference.Command {
	if sh, ok := w.someShare(); ok {
		return reference.ExpireAuthorization{App: sh.app, User: sh.by}
	}
	return reference.ExpireAuthorization{App: w.app().ID, User: w.user()}
}

func (w *Workload) createObject() reference.Command {
	kinds := []reference.ObjectKind{reference.ActivityType, reference.Pipeline, reference.DealField}
	i := w.company()
	return reference.CreateObject{App: w.app().ID, By: w.admin(i), Object: kinds[w.rng.IntN(len(kinds))],
		Name: "Object " + strconv.Itoa(w.rng.IntN(1000))}
}

// mistake is an action the model must refuse: a non-admin sharing,
// another admin managing, specific users where the app forbids them, an
// app nobody listed.
func (w *Workload) mistake() reference.Command {
	i := w.company()
	switch w.rng.IntN(4) {
	case 0:
		u := w.member(i)
		if (int(u)-w.base[i]-1)%adminEvery == 0 {
			u++ // the next user is not an admin (or has not joined: refused too)
		}
		return reference.Install{App: w.app().ID, By: u, Access: reference.AllUsers, Accept: true}
	case 1:
		if sh, ok := w.someShare(); ok {
			return reference.ManageUsers{App: sh.app, By: w.admin(int(sh.co) - 1), Add: w.colleagues(int(sh.co)-1, 0)}
		}
	case 2:
		for _, a := range w.apps {
			if a.Mode != reference.ModeNone && !a.AllowSpecificUsers {
				by := w.admin(i)
				return reference.Install{App: a.ID, By: by, Access: reference.SpecificUsers, Users: w.colleagues(i, by), Accept: true}
			}
		}
	}
	return reference.Install{App: "no-such-app", By: w.member(i), Accept: true}
}

// Observe tells the workload what became of a command it issued.
func (w *Workload) Observe(c reference.Command, r reference.Result) {
	w.Stats.Count(c, r)
	if w.cfg.Profile != reference.Pipedrive {
		w.observeAccount(c, r)
		return
	}
	if !r.OK() {
		if in, ok := c.(reference.Install); ok && r.Refusal.Reason == reference.ReasonNotAddingAdmin {
			if u, ok := w.m.User(in.By); ok {
				w.blocked[shareKey{u.Company, in.App}] = true
			}
		}
		return
	}
	switch x := c.(type) {
	case reference.SetSharingMode: // the admins see the app's new mode
		for i := range w.apps {
			if w.apps[i].ID == x.App {
				w.apps[i].Mode = x.Mode
			}
		}
	case reference.Install:
		if x.Accept && (x.Access == reference.AllUsers || x.Access == reference.SpecificUsers) {
			k := shareKey{r.Event.Company, x.App}
			if _, ok := w.shareIdx[k]; !ok {
				w.shareIdx[k] = len(w.shares)
				w.shares = append(w.shares, shareRef{k, x.By})
			}
		}
	case reference.Uninstall:
		k := shareKey{r.Event.Company, x.App}
		if j, ok := w.shareIdx[k]; ok && w.shares[j].by == x.By {
			last := len(w.shares) - 1
			w.shares[j] = w.shares[last]
			w.shareIdx[w.shares[j].shareKey] = j
			w.shares = w.shares[:last]
			delete(w.shareIdx, k)
		}
	}
}

// Count adds a command's outcome to s: installs are accepted installs the
// user accepted the scopes of; shared ones chose specific or all users;
// requests are those filed, and decided ones approved or denied.
func (s *Stats) Count(c reference.Command, r reference.Result) {
	s.Commands++
	if !r.OK() {
		s.Refusals[r.Refusal.Reason]++
		for _, e := range r.Effects { // Procore's email about an attempt (PC-06)
			s.Effects[reference.EffectKind(e)]++
		}
		return
	}
	s.Events++
	for _, e := range r.Effects {
		s.Effects[reference.EffectKind(e)]++
	}
	switch x := c.(type) {
	case reference.JoinCompany:
		s.Joined++
	case reference.RequestApp:
		s.Requests++
	case reference.DecideRequest:
		if x.Approve {
			s.Approved++
		} else {
			s.Denied++
		}
	case reference.Install:
		if !x.Accept {
			return
		}
		s.Installs++
		if x.Access == reference.AllUsers || x.Access == reference.SpecificUsers {
			s.Shared++
			if x.Access == reference.AllUsers {
				s.All++
			}
		}
	}
}

// Percent is part of whole as a percentage, zero for an empty whole.
func Percent(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}
