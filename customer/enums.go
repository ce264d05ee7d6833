package customer

import (
	"fmt"
)

// enumName returns names[v-1], or a placeholder for an unset or unknown value.
func enumName[T ~uint8](v T, names []string, typ string) string {
	if v == 0 || int(v) > len(names) {
		return fmt.Sprintf("%s(%d)", typ, uint8(v))
	}
	return names[v-1]
}

// enumParse finds text in names and returns its 1-based value; empty text is the zero
// value (unset), which validation rejects where a value is required.
func enumParse[T ~uint8](text []byte, names []string, typ string) (T, error) {
	if len(text) == 0 {
		return 0, nil
	}
	for i, n := range names {
		if string(text) == n {
			return T(i + 1), nil
		}
	}
	return 0, &EnumError{Type: typ, Value: string(text)}
}

// enumMarshal returns the text form of v: "" for the zero value (unset), an *EnumError for
// an unknown value.
func enumMarshal[T ~uint8](v T, names []string, typ string) ([]byte, error) {
	if v == 0 {
		return []byte{}, nil
	}
	if int(v) > len(names) {
		return nil, &EnumError{Type: typ, Value: fmt.Sprint(uint8(v))}
	}
	return []byte(names[v-1]), nil
}

// EnumError reports text or a value that names no member of an enumeration.
// It wraps ErrUnknownValue.
type EnumError struct {
	Type  string // the enumeration, e.g. "customer.Gender"
	Value string // the offending text or number
}

func (e *EnumError) Error() string {
	return fmt.Sprintf("customer: unknown %s %q", e.Type, e.Value)
}

// Unwrap returns ErrUnknownValue.
func (e *EnumError) Unwrap() error { return ErrUnknownValue }

// Kind says whether a customer is a person or an organisation. The zero value is unset and
// is rejected by validation.
type Kind uint8

// Kinds of customer.
const (
	KindIndividual Kind = iota + 1 // a natural person (个人客户)
	KindEnterprise                 // an organisation with a credit code (对公客户)
)

var kindNames = []string{"individual", "enterprise"}

// String returns "individual" or "enterprise".
func (k Kind) String() string { return enumName(k, kindNames, "Kind") }

// Valid reports whether k is a defined, non-zero kind.
func (k Kind) Valid() bool { return k > 0 && int(k) <= len(kindNames) }

// MarshalText implements encoding.TextMarshaler; the zero value is "" and an unknown
// kind is an *EnumError.
func (k Kind) MarshalText() ([]byte, error) { return enumMarshal(k, kindNames, "Kind") }

// UnmarshalText implements encoding.TextUnmarshaler; empty text is the zero value and
// unknown text an *EnumError.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := enumParse[Kind](b, kindNames, "Kind")
	*k = v
	return err
}

// Gender of an individual, as encoded in the 17th digit of a resident identity number.
type Gender uint8

// Genders.
const (
	GenderMale Gender = iota + 1
	GenderFemale
)

var genderNames = []string{"male", "female"}

// String returns "male" or "female".
func (g Gender) String() string { return enumName(g, genderNames, "Gender") }

// Valid reports whether g is a defined, non-zero gender.
func (g Gender) Valid() bool { return g > 0 && int(g) <= len(genderNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (g Gender) MarshalText() ([]byte, error) { return enumMarshal(g, genderNames, "Gender") }

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (g *Gender) UnmarshalText(b []byte) error {
	v, err := enumParse[Gender](b, genderNames, "Gender")
	*g = v
	return err
}

// Status of a customer record. Closing is soft: a closed record and its history stay.
type Status uint8

// Statuses.
const (
	StatusActive Status = iota + 1
	StatusClosed
)

var statusNames = []string{"active", "closed"}

// String returns "active" or "closed".
func (s Status) String() string { return enumName(s, statusNames, "Status") }

// Valid reports whether s is a defined, non-zero status.
func (s Status) Valid() bool { return s > 0 && int(s) <= len(statusNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (s Status) MarshalText() ([]byte, error) { return enumMarshal(s, statusNames, "Status") }

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := enumParse[Status](b, statusNames, "Status")
	*s = v
	return err
}

// DocType is the kind of identity document an individual presents.
type DocType uint8

// Identity document types.
const (
	DocResidentID    DocType = iota + 1 // 居民身份证 (GB 11643, 18 characters)
	DocPassport                         // passport: 5–17 letters and digits
	DocHKMacauPermit                    // 港澳居民来往内地通行证: H or M and 8 (or 10) digits
	DocTaiwanPermit                     // 台湾居民来往大陆通行证: 8 digits
)

var docTypeNames = []string{"resident_id", "passport", "hk_macau_permit", "taiwan_permit"}

// String returns the snake-case name, e.g. "resident_id".
func (d DocType) String() string { return enumName(d, docTypeNames, "DocType") }

// Valid reports whether d is a defined, non-zero document type.
func (d DocType) Valid() bool { return d > 0 && int(d) <= len(docTypeNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (d DocType) MarshalText() ([]byte, error) { return enumMarshal(d, docTypeNames, "DocType") }

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (d *DocType) UnmarshalText(b []byte) error {
	v, err := enumParse[DocType](b, docTypeNames, "DocType")
	*d = v
	return err
}

// Marital is an individual's marital status. The zero value means not stated, which is allowed.
type Marital uint8

// Marital statuses.
const (
	MaritalSingle Marital = iota + 1
	MaritalMarried
	MaritalDivorced
	MaritalWidowed
)

var maritalNames = []string{"single", "married", "divorced", "widowed"}

// String returns the lower-case name.
func (m Marital) String() string { return enumName(m, maritalNames, "Marital") }

// Valid reports whether m is a defined, non-zero marital status.
func (m Marital) Valid() bool { return m > 0 && int(m) <= len(maritalNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (m Marital) MarshalText() ([]byte, error) { return enumMarshal(m, maritalNames, "Marital") }

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (m *Marital) UnmarshalText(b []byte) error {
	v, err := enumParse[Marital](b, maritalNames, "Marital")
	*m = v
	return err
}

// Education is an individual's highest completed education. The zero value means not stated.
type Education uint8

// Education levels.
const (
	EducationPrimary Education = iota + 1
	EducationSecondary
	EducationVocational
	EducationBachelor
	EducationMaster
	EducationDoctorate
)

var educationNames = []string{"primary", "secondary", "vocational", "bachelor", "master", "doctorate"}

// String returns the lower-case name.
func (e Education) String() string { return enumName(e, educationNames, "Education") }

// Valid reports whether e is a defined, non-zero education level.
func (e Education) Valid() bool { return e > 0 && int(e) <= len(educationNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (e Education) MarshalText() ([]byte, error) {
	return enumMarshal(e, educationNames, "Education")
}

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (e *Education) UnmarshalText(b []byte) error {
	v, err := enumParse[Education](b, educationNames, "Education")
	*e = v
	return err
}

// Industry is a section (门类) of the national industry classification GB/T 4754-2017,
// written as its letter A–T.
type Industry uint8

// Industry sections of GB/T 4754-2017.
const (
	IndustryA Industry = iota + 1 // agriculture, forestry, animal husbandry and fishery
	IndustryB                     // mining
	IndustryC                     // manufacturing
	IndustryD                     // electricity, heat, gas and water
	IndustryE                     // construction
	IndustryF                     // wholesale and retail
	IndustryG                     // transport, storage and post
	IndustryH                     // accommodation and catering
	IndustryI                     // information transmission, software and IT services
	IndustryJ                     // finance
	IndustryK                     // real estate
	IndustryL                     // leasing and business services
	IndustryM                     // scientific research and technical services
	IndustryN                     // water, environment and public facilities management
	IndustryO                     // resident services, repair and other services
	IndustryP                     // education
	IndustryQ                     // health and social work
	IndustryR                     // culture, sports and entertainment
	IndustryS                     // public administration, social security and organisations
	IndustryT                     // international organisations
)

var industryNames = []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T"}

// String returns the section letter.
func (i Industry) String() string { return enumName(i, industryNames, "Industry") }

// Valid reports whether i is a defined, non-zero section.
func (i Industry) Valid() bool { return i > 0 && int(i) <= len(industryNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (i Industry) MarshalText() ([]byte, error) {
	return enumMarshal(i, industryNames, "Industry")
}

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (i *Industry) UnmarshalText(b []byte) error {
	v, err := enumParse[Industry](b, industryNames, "Industry")
	*i = v
	return err
}

// Channel is how an officer reached a customer in a contact-log entry.
type Channel uint8

// Contact channels.
const (
	ChannelVisit Channel = iota + 1
	ChannelPhone
	ChannelMessage
	ChannelEmail
)

var channelNames = []string{"visit", "phone", "message", "email"}

// String returns the lower-case name.
func (c Channel) String() string { return enumName(c, channelNames, "Channel") }

// Valid reports whether c is a defined, non-zero channel.
func (c Channel) Valid() bool { return c > 0 && int(c) <= len(channelNames) }

// MarshalText implements encoding.TextMarshaler: "" for the zero value, an *EnumError for an
// unknown value.
func (c Channel) MarshalText() ([]byte, error) { return enumMarshal(c, channelNames, "Channel") }

// UnmarshalText implements encoding.TextUnmarshaler: "" is the zero value, unknown text an
// *EnumError.
func (c *Channel) UnmarshalText(b []byte) error {
	v, err := enumParse[Channel](b, channelNames, "Channel")
	*c = v
	return err
}
