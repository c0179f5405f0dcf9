/** The page's stylesheet: light and dark (prefers-color-scheme), phone and wide screens, visible focus. */
export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;--accent:#0969da;--hl:#fff3b0;--bar:#d0d7de;--fill:#cf222e;
--h0:#dbeafe;--h1:#fde68a;--h2:#fdba74;--h3:#fb8a8a;--h4:#f05252;--bad:#cf222e;--good:#1a7f37;--warn:#9a6700;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--panel:#151b23;--accent:#4493f8;--hl:#3a3000;--bar:#3d444d;--fill:#f85149;
--h0:#1d3557;--h1:#5c4400;--h2:#7a3b00;--h3:#8e1f24;--h4:#b3141c;--bad:#ff7b72;--good:#3fb950;--warn:#d29922}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.45;font-size:15px}
header,main{max-width:1280px;margin:0 auto;padding:.75rem 1rem}
header{border-bottom:1px solid var(--line)}
h1{font-size:1.2rem;margin:.2rem 0}
h2{font-size:1.05rem;margin:1.4rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:.95rem;margin:1rem 0 .35rem}
p{margin:.35rem 0}
.muted,.note{color:var(--muted)}
code,pre,.mono,.det{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
pre{font-size:.85rem;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;margin:.35rem 0;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
button{font:inherit;color:inherit;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.1rem .5rem;cursor:pointer}
button:hover{border-color:var(--accent)}
:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
.summary{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin:.25rem 0}
.summary b{font-size:1.05rem}
.toolbar{display:flex;flex-wrap:wrap;gap:.4rem;margin:.35rem 0}
.tree,.tree ul{list-style:none;margin:0;padding:0}
.tree ul{padding-left:.9rem;margin-left:.7rem;border-left:1px dotted var(--line)}
.tree li{outline:none}
.tree li:focus-visible>.row{outline:2px solid var(--accent);outline-offset:-1px}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:.15rem .8rem;padding:.2rem .3rem;border-radius:4px;cursor:default}
.row:hover{background:var(--panel)}
.row.hl{background:var(--hl);box-shadow:inset 3px 0 var(--bad)}
.tog{width:1.4rem;padding:0;border:none;background:none;flex:none;text-align:center}
.tog.leaf{visibility:hidden}
.lbl{flex:1 1 18rem;min-width:0;overflow-wrap:anywhere;font-weight:600}
.hot2>.row>.lbl{color:var(--warn)}
.hot3>.row>.lbl{color:var(--bad)}
.time{display:inline-flex;align-items:center;gap:.4rem;min-width:10.5rem;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:5rem;height:.6rem;background:var(--bar);border-radius:3px;overflow:hidden;flex:none}
.fill{display:block;height:100%;width:0;background:var(--fill)}
.metric{color:var(--muted);font-size:.88em;white-space:nowrap;font-variant-numeric:tabular-nums}
.mis{color:var(--bad);font-weight:600}
.det{padding:0 0 .25rem 2.1rem;color:var(--muted);font-size:.8rem;overflow-wrap:anywhere}
.det .k{color:var(--fg)}
.badge{font-size:.75rem;border-color:var(--bad);color:var(--bad);padding:0 .4rem}
.more{margin:.2rem 0 .2rem 2rem}
.diags{list-style:none;padding:0;margin:0}
.diag{border:1px solid var(--line);border-left:4px solid var(--muted);border-radius:6px;padding:.45rem .75rem;margin:.5rem 0;background:var(--panel)}
.diag.sev-high{border-left-color:var(--bad)}
.diag.sev-medium{border-left-color:var(--warn)}
.diag.hl{box-shadow:0 0 0 2px var(--accent)}
.diag-head{display:flex;flex-wrap:wrap;gap:.3rem .6rem;align-items:center}
.sev{font-size:.72rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em}
.sev-high .sev{color:var(--bad)}
.sev-medium .sev{color:var(--warn)}
.next{color:var(--accent)}
.icicle{position:relative;overflow:hidden;border:1px solid var(--line);border-radius:6px;background:var(--panel)}
.blk{position:absolute;height:21px;border:1px solid var(--bg);border-radius:3px;padding:0 .25rem;font-size:.72rem;line-height:19px;text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:var(--fg)}
.blk.h0{background:var(--h0)}.blk.h1{background:var(--h1)}.blk.h2{background:var(--h2)}.blk.h3{background:var(--h3)}.blk.h4{background:var(--h4)}
.blk.hl{outline:2px solid var(--accent);z-index:1}
table{border-collapse:collapse;width:100%;font-size:.88rem;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:.25rem .4rem;text-align:left;vertical-align:top}
.scroll{overflow-x:auto}
.good{color:var(--good)}
.badd{color:var(--bad)}
.headlines{padding-left:1.2rem}
.headlines li{margin:.2rem 0}
[role=tablist]{display:flex;gap:.4rem;margin:1rem 0 .25rem}
[role=tab][aria-selected=true]{border-color:var(--accent);box-shadow:inset 0 -2px var(--accent)}
dl.settings{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.35rem 0}
dl.settings dt{color:var(--muted)}
dl.settings dd{margin:0;overflow-wrap:anywhere}
@media (max-width:640px){
body{font-size:14px}
header,main{padding:.5rem .6rem}
.tree ul{padding-left:.35rem;margin-left:.45rem}
.lbl{flex-basis:calc(100% - 2.6rem)}
.time{min-width:0}
.det{padding-left:1.2rem}
dl.settings{grid-template-columns:1fr}
}
`;
