package marketplace

import (
	"fmt"
	"sort"
)

// Deal is a seeded deal. Every company has deals 1, 2 and 3, titled after
// the company ("Acme Ltd deal 1") so that an app mixing companies up shows
// it (PD-EXT-05). Deals 1 and 2 are visible to the whole company
// (visible_to "3"); deal 3 only to its owner (visible_to "1"), the
// company's first admin, so an app that shows it to others through a shared
// installation shows it (PD-SHARE-23).
type Deal struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Value     int64  `json:"value"`
	Currency  string `json:"currency"`
	UserID    int64  `json:"user_id"`
	VisibleTo string `json:"visible_to"`
}

// Person is a seeded person: persons 1 and 2 in every company.
type Person struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	OwnerID   int64  `json:"owner_id"`
	OrgID     int64  `json:"org_id"`
	VisibleTo string `json:"visible_to"`
}

// Organization is a seeded organization: 1 and 2 in every company.
type Organization struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	OwnerID   int64  `json:"owner_id"`
	VisibleTo string `json:"visible_to"`
}

func (d Deal) recordID() int64         { return d.ID }
func (p Person) recordID() int64       { return p.ID }
func (o Organization) recordID() int64 { return o.ID }

// Visibility values of Pipedrive's visible_to.
const (
	VisibleOwner   = "1"
	VisibleCompany = "3"
)

type seeded struct {
	deals   []Deal
	persons []Person
	orgs    []Organization
}

// owner is the company's first admin (lowest user ID with Admin), or its
// first user where it has no admin. Callers hold m.mu.
func (m *Marketplace) owner(companyID int64) int64 {
	var ids []int64
	for _, u := range m.users {
		if u.CompanyID == companyID {
			ids = append(ids, u.ID)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if m.users[id].Admin {
			return id
		}
	}
	if len(ids) > 0 {
		return ids[0]
	}
	return 0
}

// records returns a company's seeded records, all of them. Callers hold m.mu.
func (m *Marketplace) records(companyID int64) seeded {
	name := m.companies[companyID].Name
	owner := m.owner(companyID)
	var s seeded
	for id := int64(1); id <= 3; id++ {
		vis := VisibleCompany
		if id == 3 {
			vis = VisibleOwner
		}
		s.deals = append(s.deals, Deal{id, fmt.Sprintf("%s deal %d", name, id), 2000, "USD", owner, vis})
	}
	for id := int64(1); id <= 2; id++ {
		s.persons = append(s.persons, Person{id, fmt.Sprintf("%s person %d", name, id), owner, id, VisibleCompany})
		s.orgs = append(s.orgs, Organization{id, fmt.Sprintf("%s organization %d", name, id), owner, VisibleCompany})
	}
	return s
}

// seed returns what u may see of their company's records: everything
// visible to the company, what they own, and all of it for an admin, as in
// Pipedrive's visibility groups (assumed). Callers hold m.mu.
func (m *Marketplace) seed(u User) seeded {
	all := m.records(u.CompanyID)
	var s seeded
	for _, d := range all.deals {
		if d.VisibleTo == VisibleCompany || d.UserID == u.ID || u.Admin {
			s.deals = append(s.deals, d)
		}
	}
	s.persons, s.orgs = all.persons, all.orgs
	return s
}

// Deals returns a company's seeded deals, whoever may see them.
func (m *Marketplace) Deals(companyID int64) []Deal {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.companies[companyID]; !ok {
		return nil
	}
	return m.records(companyID).deals
}
