package client

import (
	"testing"
	"time"
)

func TestFIQLBuilders(t *testing.T) {
	cases := map[string]string{
		Eq("type", "callrecording"):                           `type==callrecording`,
		Ne("type", "callrecording"):                           `type!=callrecording`,
		Gt("duration", "100"):                                 `duration=gt=100`,
		Ge("createdTime", "1725148800000"):                    `createdTime=ge=1725148800000`,
		Lt("storedBytes", "5"):                                `storedBytes=lt=5`,
		Le("storedBytes", "5"):                                `storedBytes=le=5`,
		Eq("address", "+16695555518"):                         `address==+16695555518`,
		Eq("name", "My Recording"):                            `name=="My Recording"`,
		Eq("name", `say "hi"`):                                `name=="say \"hi\""`,
		Eq("name", `a\b`):                                     `name=="a\\b"`,
		Eq("name", ""):                                        `name==""`,
		Eq("name", "a;b,c(d)=e<f>g!h~i'j"):                    `name=="a;b,c(d)=e<f>g!h~i'j"`,
		Eq("name", "tab\there"):                               "name==\"tab\there\"",
		In("objectState", "ARCHIVED", "AVAILABLE"):            `objectState=in=(ARCHIVED,AVAILABLE)`,
		Out("type", "a", "b c"):                               `type=out=(a,"b c")`,
		In("type"):                                            ``,
		Out("type"):                                           ``,
		And(Eq("a", "1"), Eq("b", "2")):                       `a==1;b==2`,
		And("", Eq("a", "1"), ""):                             `a==1`,
		And():                                                 ``,
		And(Or(Eq("a", "1"), Eq("b", "2"))):                   `a==1,b==2`,
		And(Eq("t", "x"), Or(Eq("a", "1"), Eq("b", "2"))):     `t==x;(a==1,b==2)`,
		And(Eq("t", "x"), In("s", "A", "B")):                  `t==x;s=in=(A,B)`,
		And(Eq("t", "a,b"), Eq("u", "c")):                     `t=="a,b";u==c`,
		And("(a==1,b==2)", "c==3"):                            `(a==1,b==2);c==3`,
		Or(Eq("a", "1"), "", And(Eq("b", "2"), Eq("c", "3"))): `a==1,b==2;c==3`,
		Or(): ``,
		Millis(time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)): `1725148800000`,
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestHasTopLevelOr(t *testing.T) {
	for in, want := range map[string]bool{
		`a==1,b==2`:       true,
		`(a==1,b==2)`:     false,
		`a=in=(1,2)`:      false,
		`a=="x,y"`:        false,
		`a=='x,y'`:        false,
		`a=="q\",r",b==1`: true,
		`a==1;b==2`:       false,
	} {
		if got := hasTopLevelOr(in); got != want {
			t.Errorf("%q: got %v", in, got)
		}
	}
}
