package manifest

import (
	"fmt"
	"regexp"
	"strings"
)

// Region groups a jurisdiction may list instead of each country.
const (
	GroupEU  = "EU"  // the 27 member states of the European Union
	GroupEEA = "EEA" // the European Economic Area: the EU, Iceland, Liechtenstein and Norway
)

// AnyRegion in a jurisdiction's regions stands for every region no other
// jurisdiction lists.
const AnyRegion = "*"

// euMembers are the member states of the European Union, by ISO 3166-1 code
// (Greece is GR, not the EU's own abbreviation EL).
var euMembers = set("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK")

// eeaMembers are the EU members and the three EFTA states of the EEA.
var eeaMembers = union(euMembers, set("IS LI NO"))

// countries are the officially assigned ISO 3166-1 alpha-2 codes, and XK,
// which is user-assigned but is what the EU and geolocation databases use
// for Kosovo. golang.org/x/text also accepts withdrawn and reserved codes
// (UK, YU, AN), which a manifest should not use.
var countries = union(set(`
	AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
	BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
	CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
	DE DJ DK DM DO DZ
	EC EE EG EH ER ES ET
	FI FJ FK FM FO FR
	GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
	HK HM HN HR HT HU
	ID IE IL IM IN IO IQ IR IS IT
	JE JM JO JP
	KE KG KH KI KM KN KP KR KW KY KZ
	LA LB LC LI LK LR LS LT LU LV LY
	MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
	NA NC NE NF NG NI NL NO NP NR NU NZ
	OM
	PA PE PF PG PH PK PL PM PN PR PS PT PW PY
	QA
	RE RO RS RU RW
	SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
	TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
	UA UG UM US UY UZ
	VA VC VE VG VI VN VU
	WF WS
	YE YT
	ZA ZM ZW`), set("XK"))

// usStates are the ISO 3166-2 subdivisions of the United States: the states,
// the District of Columbia and the outlying areas. US subdivisions are
// checked against this list because US privacy law is made state by state;
// other countries' subdivisions are checked for form only.
var usStates = set(`
	AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
	MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY
	DC AS GU MP PR UM VI`)

// commonMistakes are codes people write for a country that ISO spells
// differently.
var commonMistakes = map[string]string{"UK": "GB", "EL": "GR"}

var wellFormedRE = regexp.MustCompile(`^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$`)

// WellFormedRegion reports whether s has the shape of a region code as
// visitors' requests and geo headers carry it — ISO 3166-1 alpha-2 ("de")
// or ISO 3166-2 ("US-CA"), any case — without checking that it is
// assigned: an unknown but well-formed region resolves to the "*"
// jurisdiction.
func WellFormedRegion(s string) bool { return wellFormedRE.MatchString(s) }

var subdivisionRE = regexp.MustCompile(`^([A-Z]{2})-([A-Z0-9]{1,3})$`)

// checkRegion returns "" if code is a region a manifest may name (a
// country, a subdivision, a group or "*"), or why not.
func checkRegion(code string) string {
	if code == AnyRegion || code == GroupEU || code == GroupEEA || countries[code] {
		return ""
	}
	if up := strings.ToUpper(code); up != code && checkRegion(up) == "" {
		return fmt.Sprintf("region codes are upper case; write %q", up)
	}
	if fix := commonMistakes[code]; fix != "" {
		return fmt.Sprintf("%q is not an ISO 3166-1 code; write %q", code, fix)
	}
	if m := subdivisionRE.FindStringSubmatch(code); m != nil {
		switch {
		case !countries[m[1]]:
			return fmt.Sprintf("unknown country %q in region %q", m[1], code)
		case m[1] == "US" && !usStates[m[2]]:
			return fmt.Sprintf("%q is not a US state or territory", code)
		}
		return ""
	}
	return fmt.Sprintf(`unknown region %q; use an ISO 3166 code such as DE or US-CA, a group (EU, EEA), or "*" for the rest of the world`, code)
}

// inGroup reports whether a country belongs to a region group.
func inGroup(country, group string) bool {
	switch group {
	case GroupEU:
		return euMembers[country]
	case GroupEEA:
		return eeaMembers[country]
	}
	return false
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func union(a, b map[string]bool) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}
