# %% [markdown]
# # Kodér–dekodér: obnova obrazu, přenos stylu, generování
#
# **Co se naučíte:** tři úlohy, jejichž výstupem je celý obrázek, a jednu stavbu, která
# je všechny řeší: **kodér** obrázek zmenší na malý popis, **dekodér** z popisu postaví
# obrázek zpět. Síť, která opravuje poškozené číslice; **variační autoenkodér**, který
# kreslí číslice nové; a **přenos stylu**, který namaluje skutečnou fotografii stylem
# jiného obrázku, nejdřív optimalizací pixelů, pak sítí v jednom průchodu.

# %%
import inspect

import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import config, recipes, viz
from nes2.tasks import generation, style
from nes2.teaching import expected

PROFILE = config.get_profile()

# %% [markdown]
# ## Co mají tři úlohy společné
#
# Kodér je konvoluční síť jako páteř klasifikátoru: rozlišení klesá, kanálů přibývá.
# Dekodér jde opačně, převzorkováním nebo transponovanou konvolucí zpět k pixelům. Úlohy
# se liší tím, co jde dovnitř a s čím ztráta výstup porovnává:
#
# | úloha | vstup | výstup | ztráta porovnává výstup |
# |---|---|---|---|
# | obnova obrazu | poškozený obrázek | obrázek | s čistým obrázkem po pixelech |
# | generování (VAE) | obrázek; potom náhodný bod | obrázek | se vstupem; kód s $N(0, I)$ |
# | přenos stylu | fotografie | táž ve stylu | příznaky s fotografií; Gramovy matice se stylem |
#
# Segmentace (U-Net) je kodér–dekodér také, jen jejím výstupem jsou třídy pixelů.

# %% [markdown]
# ## Obnova obrazu
#
# Recept `restoration` poškodí skutečné číslice MNIST šumem (`corruption="noise"`) nebo
# šedým čtvercem (`"mask"`) a síť se učí vrátit čistou číslici
# ([`tasks.restoration`][nes2.tasks.restoration]). Dekodér nemá zkratky z kodéru: jinak
# by mohl poškození prostě zkopírovat na výstup. Kvalitu měří **PSNR**
# $= 10 \log_{10}(1/\mathrm{MSE})$ v decibelech proti čisté číslici (pixely 0–1; vyšší je
# lepší, poloviční kvadratická chyba přidá 3 dB), na testovacích číslicích, které síť
# neviděla:

# %%
restored = {c: recipes.train("restoration", PROFILE, corruption=c) for c in ("noise", "mask")}
Markdown(
    viz.markdown_table(
        [
            {
                "corruption": "šum" if c == "noise" else "skrytý čtverec",
                "damaged": r.metrics["psnr_damaged"],
                "restored": r.metrics["psnr_restored"],
                "gain": r.metrics["gain_db"],
                "seconds": r.metrics["seconds"],
            }
            for c, r in restored.items()
        ],
        {
            "corruption": "poškození",
            "damaged": "PSNR poškozené (dB)",
            "restored": "PSNR obnovené (dB)",
            "gain": "zisk (dB)",
            "seconds": "trénink (s)",
        },
        {"damaged": "{:.1f}", "restored": "{:.1f}", "gain": "{:+.1f}", "seconds": "{:.0f}"},
    )
)

# %%
restored["noise"].figure("restored")

# %%
restored["mask"].figure("restored")

# %% [markdown]
# Šum síť odstraní skoro celý: náhodné body nepatří k žádnému tahu, který viděla
# v tisících číslic. Skrytý čtverec je těžší: co pod ním bylo, musí uhodnout z tvaru
# zbytku číslice, a kde čtverec zakryl podstatnou část, obnovená číslice je rozmazaný
# průměr možností (ztráta po pixelech odmění průměr). Proto se ve skutečných úlohách
# doplňování obrazu přidávají ztráty, které rozmazání trestají.

# %% [markdown]
# ## Generování obrazu: variační autoenkodér
#
# Autoenkodér, který číslici zakóduje do 16 čísel a dekóduje zpět, umí číslice
# reprodukovat, ale ne vymýšlet: kódy číslic leží v **latentním prostoru** kdekoli
# a náhodný bod mezi nimi se dekóduje v nesmysl. **Variační autoenkodér** (VAE, Kingma
# a Welling 2014) proto kóduje každý obrázek jako normální rozdělení: kodér vrátí jeho
# střed $\mu$ a logaritmus rozptylu $\log\sigma^2$, dekodér dostane bod z tohoto
# rozdělení a ztráta má dva členy:
#
# - **rekonstrukce**: binární křížová entropie mezi vstupem a výstupem, sečtená přes pixely;
# - **člen KL**: $\mathrm{KL} = -\tfrac12 \sum_j (1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2)$,
#   vzdálenost rozdělení kódu od $N(0, I)$. Stlačí kódy všech číslic kolem počátku,
#   takže bod vylosovaný z $N(0, I)$ padne tam, kde dekodér umí kreslit.
#
# Losování samo gradient nepropustí. **Reparametrizační trik** ho přesune mimo parametry:
# $z = \mu + \sigma \cdot \varepsilon$, kde $\varepsilon \sim N(0, I)$ je jen vstup
# zvenčí, a gradient teče do $\mu$ i $\sigma$. Vrstva
# [`Sampling`][nes2.tasks.generation.Sampling] a ztráta modelu
# [`VAE`][nes2.tasks.generation.VAE]:

# %%
Markdown(
    "```python\n"
    + inspect.getsource(generation.Sampling.call)
    + "\n"
    + inspect.getsource(generation.VAE.compute_loss)
    + "```"
)

# %% [markdown]
# Kodér má dvě konvoluce s krokem 2 (28 → 14 → 7 px) a dvě husté hlavy pro $\mu$
# a $\log\sigma^2$; dekodér totéž zrcadlově, transponovanými konvolucemi:

# %%
vae = generation.VAE(latent_dim=16)
for part in (vae.encoder, vae.decoder):
    shapes = [tuple(t.shape[1:]) for t in (*part.inputs, *part.outputs)]
    params = f"{part.count_params():,}".replace(",", " ")
    print(f"{part.name}: {params} parametrů, tvary {shapes}")

# %% [markdown]
# Recept `generation` ho učí na skutečných číslicích MNIST, jen na obrázcích, bez tříd
# (`nes2 train generation`). Trénujeme dva: s 16rozměrným latentním prostorem, a se
# dvourozměrným, který lze nakreslit jako rovinu. Oba členy ztráty po epochách:

# %%
vaes = {d: recipes.train("generation", PROFILE, latent_dim=d) for d in (16, 2)}
vaes[16].figure("curves")

# %% [markdown]
# Rekonstrukce testovacích číslic, které VAE při učení neviděl (horní řada vstup,
# dolní výstup):

# %%
vaes[16].figure("reconstructions")

# %% [markdown]
# A to hlavní: číslice, které nikdo nenapsal, dekódované z bodů vylosovaných z $N(0, I)$:

# %%
vaes[16].figure("generated")

# %% [markdown]
# Latentní prostor je spojitý: body na úsečce mezi kódy dvou číslic se dekódují
# v plynulý přechod z jedné do druhé.

# %%
vaes[16].figure("interpolation")

# %% [markdown]
# Dvourozměrný latentní prostor lze projít celý: mřížka bodů roviny a číslice, které
# z nich dekodér nakreslí. Sousední body dávají podobné číslice, třídy tvoří oblasti.

# %%
vaes[2].figure("latent_plane")

# %% [markdown]
# ### Měříme, ne od oka
#
# Jak dobré jsou vygenerované číslice? Posoudí je klasifikátor skutečných číslic (malá
# CNN, kterou recept učí na stejných trénovacích číslicích). Na 1 000 vygenerovaných
# číslicích měříme podíl těch, které označí s jistotou aspoň 0,9, kolik z deseti tříd
# mezi nimi je, a **Fréchetovu vzdálenost** příznaků jeho poslední skryté vrstvy od
# příznaků skutečných testovacích číslic (FID, Heusel et al. 2017, jen s naším
# klasifikátorem místo sítě Inception). Pro srovnání dvě meze: šum se stejným průměrem
# a rozptylem každého pixelu jako číslice (generátor, který dobrý být nemůže)
# a skutečné trénovací číslice (lepší být nelze).

# %%
best = vaes[16].metrics
rows = [
    {
        "what": f"VAE, latentní prostor {d}",
        "confident": r.metrics["confident_share"],
        "classes": r.metrics["classes_covered"],
        "distance": r.metrics["frechet_distance"],
    }
    for d, r in vaes.items()
] + [
    {"what": "šum s průměrem a rozptylem číslic", "distance": best["frechet_noise"]},
    {
        "what": "skutečné trénovací číslice",
        "confident": best["confident_real"],
        "distance": best["frechet_real"],
    },
]
Markdown(
    viz.markdown_table(
        rows,
        {
            "what": "číslice",
            "confident": "jistě rozpoznané",
            "classes": "třídy (z 10)",
            "distance": "Fréchetova vzdálenost",
        },
        {"confident": "{:.0%}", "distance": "{:.1f}"},
    )
)

# %%
print(
    f"VAE 16: vzdálenost {best['frechet_distance']:.1f}, "
    f"{best['frechet_distance'] / best['frechet_noise']:.0%} vzdálenosti šumu; "
    f"přesnost posuzujícího klasifikátoru {best['judge_accuracy']:.1%}"
)

# %% [markdown]
# Číslice VAE jsou skutečným mnohem blíž než šum, ale od trénovacích číslic samotných
# daleko: jsou rozmazanější (ztráta po pixelech opět odmění průměr) a klasifikátor
# s jistotou pozná jen část z nich. Dvourozměrný latentní prostor je horší než
# šestnáctirozměrný ve všech sloupcích: dvě čísla na číslici jsou málo.

# %% [markdown]
# ## Přenos stylu
#
# Gatys, Ecker a Bethge (2016) popsali obrázek příznaky pevné sítě, zde VGG19, které
# se říká **ztrátová síť**:
#
# - **obsah** jsou příznaky hlubší vrstvy (`block4_conv2`): co kde na obrázku je;
# - **styl** jsou **Gramovy matice** příznaků několika vrstev: prvek $(c, d)$ je průměr
#   součinu kanálů $c$ a $d$ přes všechny polohy, $G_{cd} = \frac{1}{HW}\sum_{x} F_{xc}F_{xd}$.
#   Polohy se sečtou, zůstane jen to, které příznaky se vyskytují spolu: barvy a textury.
#
# Obrázek ve stylu pak minimalizuje ztrátu obsahu proti fotografii + ztrátu stylu proti
# stylovému obrázku + celkovou variaci (hladkost). Obsahem je skutečná fotografie kočky,
# kterou dodává scikit-image (`skimage.data.chelsea()`); stylem vzor, který nakreslil
# program ([`style.pattern`][nes2.tasks.style.pattern]), ne obraz.

# %%
runs = {m: recipes.train("style-transfer", PROFILE, method=m) for m in ("optimisation", "network")}
optimised = runs["optimisation"]
print(f"ztrátová síť: {optimised.metrics['loss_network']}")

# %% [markdown]
# Váhy ImageNetu VGG19 si Keras stahuje z internetu; sestavení, které je má v mezipaměti
# Kerasu, je použije (`--weights auto`). Bez nich recept použije VGG19 s **náhodnými
# vahami**: i náhodné konvoluce zachytí statistiky textur a barev a syntéza textur s nimi
# funguje (Ustyuzhaninov et al., ICLR 2017). Obě ztráty
# jsou proto relativní (čtverec rozdílu dělený čtvercem cíle): každá vrstva váží stejně,
# ať jsou její příznaky jakkoli velké. Buňka výše říká, kterou síť použilo toto sestavení.
#
# Gramovy matice jedné vrstvy (prvních 32 kanálů; světlejší = větší, kreslená je odmocnina
# hodnot): styl, fotografie a výsledek. Jak blízko má matice výsledku k matici stylu, měří
# ztráta stylu v tabulce níže:

# %%
optimised.figure("gram")

# %% [markdown]
# ### Optimalizace pixelů (Gatys et al.)
#
# Začneme od fotografie a gradientním sestupem (Adam) měníme její pixely; síť se nemění.
# Obrázek po 10 krocích a na konci:

# %%
data = optimised.data
losses = optimised.recipe.losses(data, optimised.spec)
early, _ = style.optimise(losses, data.test[0], steps=10)
viz.image_grid(
    np.stack([data.test[0], early, optimised.recipe.stylised(optimised.model, data, None)]),
    ["fotografie", "po 10 krocích", f"po {optimised.epochs} krocích"],
    ncols=3,
    title="Optimalizace pixelů po krocích",
)

# %%
optimised.figure("result")

# %%
optimised.figure("curves")

# %% [markdown]
# Ztráta obsahu z nuly roste (obrázek se od fotografie vzdaluje), ztráta stylu klesá:
# optimalizace hledá rovnováhu, kterou určuje váha stylu
# ([`STYLE_WEIGHT`][nes2.tasks.style.STYLE_WEIGHT]).
#
# ### Kodér–dekodér, který stylizuje v jednom průchodu (Johnson et al. 2016)
#
# Optimalizace platí sekundy za každý obrázek. Johnson, Alahi a Fei-Fei (2016) naučili
# síť, kodér–dekodér s reziduálními bloky, aby s **touž ztrátou** stylizovala libovolnou
# fotografii jedním průchodem. Naše je malá
# ([`style.stylizer`][nes2.tasks.style.stylizer]) a učí se na náhodných výřezech tří
# jiných fotografií ze scikit-image (astronautka, káva, raketa); kočku nikdy neviděla:

# %%
network = runs["network"]
network.figure("result")

# %%
network.figure("curves")

# %% [markdown]
# Obě metody změřené stejnými ztrátami na fotografii kočky:

# %%
Markdown(
    viz.markdown_table(
        [
            {
                "method": "optimalizace pixelů",
                "content": optimised.metrics["content_loss"],
                "style": optimised.metrics["style_loss"],
                "training": None,
                "per_image": optimised.metrics["seconds"],
            },
            {
                "method": "síť v jednom průchodu",
                "content": network.metrics["content_loss"],
                "style": network.metrics["style_loss"],
                "training": network.metrics["seconds"],
                "per_image": network.metrics["seconds_per_image"],
            },
            {
                "method": "fotografie beze změny",
                "content": 0.0,
                "style": optimised.metrics["style_loss_photo"],
            },
        ],
        {
            "method": "metoda",
            "content": "ztráta obsahu",
            "style": "ztráta stylu",
            "training": "trénink sítě (s)",
            "per_image": "jeden obrázek (s)",
        },
        {"content": "{:.3f}", "style": "{:.3f}", "training": "{:.0f}", "per_image": "{:.3g}"},
    )
)

# %%
speedup = optimised.metrics["seconds"] / network.metrics["seconds_per_image"]
print(f"síť stylizuje obrázek {speedup:,.0f}× rychleji než optimalizace".replace(",", " "))

# %% [markdown]
# Síť je o několik řádů rychlejší, ale v obou ztrátách horší: optimalizace ladí pixely
# jednoho obrázku, síť jedno nastavení vah pro všechny fotografie, a ta naše je malá
# a učila se krátce. Její trénink trval déle než jedna optimalizace, ale platí se jednou;
# každá další fotografie pak stojí milisekundy.

# %% [markdown]
# ## Shrnutí
#
# - Kodér–dekodér zmenší obrázek na malý popis a postaví z něj obrázek; úlohy se liší
#   vstupem a tím, s čím ztráta výstup porovnává.
# - Obnova obrazu: síť bez zkratek z kodéru odstraní šum; skrytou část jen odhadne,
#   rozmazaně.
# - Variační autoenkodér kóduje obrázek jako rozdělení; reparametrizační trik propustí
#   gradient losováním a člen KL dovolí dekódovat náhodné body v nové číslice, podle
#   klasifikátoru skutečných číslic mnohem bližší skutečným než šum, ale rozmazanější.
# - Styl popisují Gramovy matice příznaků, obsah příznaky hlubší vrstvy; optimalizace
#   pixelů je pomalá, síť naučená s toutéž ztrátou stylizuje v jednom průchodu.

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.tasks.restoration`][nes2.tasks.restoration] ·
# [`nes2.tasks.generation`][nes2.tasks.generation] ·
# [`nes2.tasks.style`][nes2.tasks.style] ·
# [`nes2.recipes.restoration`][nes2.recipes.restoration] ·
# [`nes2.recipes.generation`][nes2.recipes.generation] ·
# [`nes2.recipes.style_transfer`][nes2.recipes.style_transfer]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")

# %% [markdown]
# Očekávané hodnoty všech běhů stránky a vztahy mezi nimi (`nes2 verify` je kontroluje):

# %%
labels = {
    "psnr_restored": "PSNR obnovené (dB)",
    "frechet_distance": "Fréchetova vzdálenost",
    "classes_covered": "třídy (z 10)",
    "style_loss": "ztráta stylu",
    "content_loss": "ztráta obsahu",
}
everything = [*restored.values(), *vaes.values(), *runs.values()]
reports = [
    expected.run_report(
        r, {k: v for k, v in labels.items() if k in expected.entry(r.name, PROFILE).bands}
    )
    for r in everything
]
results = {r.name: r.metrics for r in everything}
Markdown("\n\n".join([*reports, expected.relation_report(PROFILE, results)]))
