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
from nes2.recipes import restoration
from nes2.tasks import generation, style
from nes2.teaching import expected, verdicts

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
corruptions = restoration.LABELS  # the Czech names of the corruptions
Markdown(
    viz.markdown_table(
        [{**r.metrics, "corruption": corruptions[c]} for c, r in restored.items()],
        {
            "corruption": "poškození",
            "psnr_damaged": "PSNR poškozené (dB)",
            "psnr_restored": "PSNR obnovené (dB)",
            "gain_db": "zisk (dB)",
            "seconds": "trénink (s)",
        },
        {
            "psnr_damaged": "{:.1f}",
            "psnr_restored": "{:.1f}",
            "gain_db": "{:+.1f}",
            "seconds": "{:.0f}",
        },
    )
)

# %%
restored["noise"].figure("restored")

# %%
restored["mask"].figure("restored")

# %% [markdown]
# Šum síť odstraní skoro celý: náhodné body nepatří k žádnému tahu, který viděla.
# Co bylo pod skrytým čtvercem, musí uhodnout ze zbytku číslice; kde čtverec zakryl
# podstatnou část, je výsledek rozmazaný průměr možností (ztráta po pixelech odmění průměr).

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
sources = [inspect.getsource(f) for f in (generation.Sampling.call, generation.VAE.compute_loss)]
Markdown("```python\n" + "\n".join(sources) + "```")

# %% [markdown]
# Kodér má dvě konvoluce s krokem 2 (28 → 14 → 7 px) a dvě plně propojené hlavy pro $\mu$
# a $\log\sigma^2$; dekodér totéž zrcadlově, transponovanými konvolucemi:

# %%
vae = generation.VAE(latent_dim=16)
for part in (vae.encoder, vae.decoder):
    shapes = [tuple(t.shape[1:]) for t in (*part.inputs, *part.outputs)]
    params = viz.number(part.count_params())
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
# Vygenerované číslice posoudí klasifikátor skutečných číslic (malá CNN, naučená jednou
# na trénovacích číslicích, které se neposuzují, a sdílená všemi běhy, takže vzdálenosti
# všech běhů leží v jednom prostoru příznaků): podíl těch, které označí s jistotou aspoň 0,9,
# kolik z deseti tříd mezi nimi je, a **Fréchetova vzdálenost** příznaků jeho poslední
# skryté vrstvy od příznaků skutečných testovacích číslic (FID, Heusel et al. 2017, jen
# s naším klasifikátorem místo sítě Inception). Dvě meze pro srovnání: šum se stejným
# průměrem a rozptylem pixelů jako číslice a skutečné trénovací číslice.

# %%
best = vaes[16].metrics
rows = [{"what": f"VAE, latentní prostor {d}", **r.metrics} for d, r in vaes.items()] + [
    {"what": "šum s průměrem a rozptylem číslic", "frechet_distance": best["frechet_noise"]},
    {
        "what": "skutečné trénovací číslice",
        "confident_share": best["confident_real"],
        "frechet_distance": best["frechet_real"],
    },
]
columns = {
    "what": "číslice",
    "confident_share": "jistě rozpoznané",
    "classes_covered": "třídy (z 10)",
    "frechet_distance": "Fréchetova vzdálenost",
}
Markdown(
    viz.markdown_table(rows, columns, {"confident_share": "{:.0%}", "frechet_distance": "{:.1f}"})
)

# %%
viz.say(
    f"VAE 16: vzdálenost {best['frechet_distance']:.1f}, "
    f"{best['frechet_distance'] / best['frechet_noise']:.0%} vzdálenosti šumu; "
    f"přesnost posuzujícího klasifikátoru {best['judge_accuracy']:.1%}"
)

# %%
Markdown(verdicts.generation(best, vaes[2].metrics, PROFILE))


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
# Váhy ImageNetu VGG19 si Keras stahuje z internetu; bez nich recept použije VGG19
# s **náhodnými vahami**: i náhodné konvoluce zachytí statistiky textur a barev
# (Ustyuzhaninov et al., ICLR 2017). Kterou síť použilo toto sestavení, říká buňka výše.
# Obě ztráty jsou relativní (čtverec rozdílu dělený čtvercem cíle), takže každá vrstva
# váží stejně, ať jsou její příznaky jakkoli velké.
#
# Gramovy matice jedné vrstvy (prvních 32 kanálů, odmocnina hodnot; světlejší = větší) pro
# styl, fotografii a výsledek; jak blízko má výsledek ke stylu, měří ztráta stylu níže:

# %%
optimised.figure("gram")

# %% [markdown]
# ### Optimalizace pixelů (Gatys et al.)
#
# Začneme od fotografie a gradientním sestupem (Adam) měníme její pixely; síť se nemění:

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
mine, net = optimised.metrics, network.metrics
rows = [
    {**mine, "method": "optimalizace pixelů", "seconds": None},
    {**net, "method": "síť v jednom průchodu"},
    {
        "method": "fotografie beze změny",
        "content_loss": 0.0,
        "style_loss": mine["style_loss_photo"],
    },
]
columns = {
    "method": "metoda",
    "content_loss": "ztráta obsahu",
    "style_loss": "ztráta stylu",
    "seconds": "trénink sítě (s)",
    "seconds_per_image": "jeden obrázek (s)",
}
formats = {
    "content_loss": "{:.3f}",
    "style_loss": "{:.3f}",
    "seconds": "{:.0f}",
    "seconds_per_image": "{:.3g}",
}
Markdown(viz.markdown_table(rows, columns, formats))

# %%
speedup = mine["seconds_per_image"] / net["seconds_per_image"]
viz.say(f"síť stylizuje obrázek {speedup:,.0f}× rychleji než optimalizace".replace(",", " "))

# %%
Markdown(verdicts.style_transfer(mine, net, PROFILE))

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
Markdown(expected.runs_report(everything, labels))
